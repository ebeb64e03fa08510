# %% [markdown]
# # 07 — Unsupervised segmentation, scored against a ground truth
#
# Segmentation splits an image into regions without any label: it is clustering, of *pixels*
# instead of images. The well-known material mostly shows it (colour k-means on a
# photograph, the superpixel gallery of scikit-image) and seldom scores it: scikit-image's
# gallery example "Evaluating segmentation metrics" scores segmentations of *one* image
# (coins) against a truth it makes with a watershed. This chapter builds many ground truths
# offline — **mosaics of real textures with an exact label map** — and scores every method
# on them: colour k-means, SLIC,
# Felzenszwalb, quickshift, a Gabor texture bank, and the deep method most cited for the task,
# *differentiable feature clustering* (Kim, Kanezaki & Tanaka 2020), a small CNN trained on
# each image on its own argmax labels.
#
# **Objectives.** See segmentation as clustering of pixel features (colour, position,
# texture, learned); score a segmentation whose labels have no meaning (Hungarian-matched
# mIoU, ARI, variation of information); write the Gabor filter bank and the loss of Kim et
# al.; understand why self-training on argmax labels needs a continuity term; know what each
# method can and cannot see.
#
# **Time:** about a minute in quick mode (4 mosaics, short per-image training), about
# 15 minutes<!-- results/notebooks_full.json:07_unsupervised_segmentation_full_s --> in full mode (24 mosaics) on a 2-core laptop CPU (53 s<!-- results/notebooks_quick.json:07_unsupervised_segmentation_quick_s --> and 890 s<!-- results/notebooks_full.json:07_unsupervised_segmentation_full_s --> recorded).
#
# **Quick or full?** `UNSUPLAB_QUICK=1` scores 4 mosaics with 40 training steps per image;
# unset it for 24 mosaics and 150 steps (settings `seg.*` in `unsuplab.config.SETTINGS`).
# The numbers quoted in the text come from `benchmarks/segmentation.py` (full mode, the deep
# method over 3 seeds), recorded in `benchmarks/RESULTS.md`.
#
# **Class plan.** Lecture (90 min): segmentation as clustering, features (15); the mosaics and
# the scores, Hungarian matching (20); classical baselines and the Gabor bank (20);
# differentiable feature clustering, its loss and the continuity term (25); results and
# discussion (10). Lab (90 min): run the notebook (10), exercises 07.1–07.3 (30), 07.4 — the
# loss inside the model (15), 07.6 — the whole loop (20), conceptual questions 07.C1–07.C4
# (15).
#
# **Prerequisites.** k-means (chapter 00; Hands-On ML ch. 9), convolutions and Keras
# `compute_loss` (chapter 02; keras.io "Customizing what happens in fit"), cross-entropy and
# softmax, the Fourier transform at the level of "a frequency and an orientation" (any image
# processing course), the assignment problem (scipy's `linear_sum_assignment`).
#
# **Notation.** As in the collection's table (chapter 00, `NOTATION.md`), with pixels in the
# place of images: $p$ is a pixel, $\varphi(p)$ its feature vector, $c_p$ its label; $K$ is
# the number of segments asked for (the argument `k` in the code), $\mu_k$ a centre. The deep
# method's response at pixel $p$ is $r_p \in \mathbb{R}^q$ ($q$ channels), $\mu$ (no index)
# the weight of its continuity loss.

# %%
# Colab / a bare kernel: install unsuplab if it is missing (does nothing locally). Every
# notebook starts with this same cell, so whichever is opened first installs all it needs.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("unsuplab") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "unsuplab[classical] @ git+https://github.com/unsuplab/unsuplab"], check=True)
if "google.colab" in sys.modules:  # Colab draws ipywidgets 8 through its custom manager
    from google.colab import output

    output.enable_custom_widget_manager()

# %% [markdown]
# ## Setup

# %%
import matplotlib.pyplot as plt
import numpy as np

from unsuplab import config, viz
from unsuplab.chapters import ch07
from unsuplab.metrics.segmentation import matched_iou, segmentation_scores
from unsuplab.models import segmentation_classical as classical
from unsuplab.viz import segmentation as segviz
from unsuplab.viz.tables import show_table

config.set_seed(0)
viz.set_style()
print(config.describe())
d = ch07.load_data()  # the scored mosaics (seed 0) and a few photographs
mosaics = d.mosaics
print(f"{len(mosaics)} mosaics of {mosaics.images.shape[1]}x{mosaics.images.shape[2]} pixels, "
      f"{mosaics.n_regions.min()}-{mosaics.n_regions.max()} regions; photos: {list(d.photos)}")

# %% [markdown]
# ## Segmentation as clustering of pixels
#
# Give every pixel $p$ a feature vector $\varphi(p) \in \mathbb{R}^D$ and cluster the pixels:
# pixels of one cluster form a segment. k-means minimises
#
# $$J = \sum_{p} \min_{k = 1..K} \lVert \varphi(p) - \mu_k \rVert^2 ,$$
#
# alternating the *assignment* $c_p = \arg\min_k \lVert\varphi(p) - \mu_k\rVert^2$ and the
# *update* $\mu_k = \operatorname{mean}\{\varphi(p) : c_p = k\}$ (exercise 07.2). Everything
# is in the choice of $\varphi$:
#
# | feature | $\varphi(p)$ | sees |
# | --- | --- | --- |
# | colour | $(L^*, a^*, b^*)$ of the pixel (CIELAB: distances ≈ perceived differences) | colour, brightness |
# | colour + position | $(L^*, a^*, b^*, \lambda\, i / (H-1), \lambda\, j / (W-1))$ | also compactness |
# | texture | local energies of a Gabor filter bank (below) | structure around the pixel |
# | learned | the response of a CNN trained on the image (Kim et al.) | what the training finds |
#
# A pixel's colour is a single measurement; a texture is a property of a *neighbourhood*.
# Two regions with the same colour distribution but a different pattern (brick against
# gravel, both grey) cannot be told apart by any function of a single pixel.
#
# ## Build the benchmark: texture mosaics with an exact ground truth
#
# `unsuplab.data.segmentation.make_mosaics` cuts a 128×128 square into 3–5 regions (random
# Voronoi cells, blobs, or the horse silhouette on a background) and fills each with a real
# texture from scikit-image (brick, grass, gravel, coins, text, a cat's fur, dahlia petals,
# stained tissue). The texture sets the lightness $L^*$ (standardised: mean 55, sd 15 in
# every region), a colour sets $(a^*, b^*)$. Each mosaic is of one **kind**: regions that
# differ in *colour* only, in *texture* only, in *both*, or *mixed* (some pairs in colour,
# some in texture, some in both). The first 12 mosaics cover every (layout, kind) pair.

# %%
titles = [f"{s} / {k}" for s, k in zip(mosaics.shapes, mosaics.kinds, strict=True)]
n_show = min(len(mosaics), 12)
fig = segviz.mosaic_grid(mosaics.images[:n_show], mosaics.labels[:n_show],
                         titles=titles[:n_show], title="Mosaics (layout / kind) and their truth")

# %% [markdown]
# ## Score a segmentation whose labels mean nothing
#
# Segment 3 of a method is not region 3 of the truth: the labels must be **matched**. With
# $T_1..T_m$ the true regions and $S_1..S_n$ the segments,
# $\mathrm{IoU}(T_a, S_b) = |T_a \cap S_b| \,/\, |T_a \cup S_b|$. The **Hungarian-matched
# mIoU** picks the one-to-one matching $\pi$ (a region gets at most one segment, a segment at
# most one region) that maximises the total IoU, and averages over the true regions:
#
# $$\mathrm{mIoU} = \frac{1}{m} \sum_{a=1}^{m} \mathrm{IoU}\big(T_a, S_{\pi(a)}\big),
# \qquad \pi = \arg\max_{\pi \text{ one-to-one}} \sum_a \mathrm{IoU}(T_a, S_{\pi(a)}),$$
#
# with IoU 0 for a region left unmatched (fewer segments than regions). Extra segments match
# nothing: their pixels are misses of the regions they cover. Labels are used as given — a
# label in two disconnected pieces is one segment (`connected=True` splits them first).
# Two scores need no matching: the **adjusted Rand index** on pixel pairs (1 = the same
# partition, ≈ 0 for chance) and the **variation of information**
# $\mathrm{VI} = H(T \mid S) + H(S \mid T)$ (bits, 0 = the same partition). Every method is
# given the true number of regions $K$ (the same oracle for all).

# %%
truth = np.array([[0, 1, 1, 1, 1, 1]] * 2)  # a small region 0 (2 pixels), a large region 1
pred = np.array([[5, 5, 5, 5, 7, 7]] * 2)  # segment 5 spills over into region 1
ious, matching = matched_iou(truth, pred)
print(f"IoU per region {np.round(ious, 3)}, matching {matching}")
print({k: round(v, 3) for k, v in segmentation_scores(truth, pred).items()})

# %% [markdown]
# Segment 5 is the best match of *both* regions: IoU(region 0, segment 5) = 2/8 = 1/4 and
# IoU(region 1, segment 5) = 6/12 = 1/2, while IoU(region 1, segment 7) = 4/10 = 2/5 and
# IoU(region 0, segment 7) = 0. Each region taking its own best segment would count segment
# 5 twice. The one-to-one matching that maximises the total gives segment 5 to region 0 and
# segment 7 to region 1 (total 1/4 + 2/5 = 13/20, against 1/2 + 0 = 1/2 the other way round),
# so region 1 does *not* get its best segment: mIoU = 13/40 = 0.325. A greedy matching that
# first takes the largest IoU (region 1 with segment 5) would end with the lower total 1/2.
#
# ## Classical baselines
#
# - **k-means on colour** (± position), in CIELAB. The position weight makes segments
#   compact.
# - **SLIC** (k-means on colour + position, locally, into ~100 superpixels), **Felzenszwalb**
#   (graph merging along weak edges) and **quickshift** (mode seeking in colour + position)
#   over-segment. Each is **merged to $K$** by k-means on the superpixels' mean CIELAB
#   colour, each superpixel weighted by its number of pixels — the pixel k-means of colour,
#   with a superpixel's pixels tied together.
# - **Gabor filter bank + local energy + k-means** (Jain & Farrokhnia 1991). A complex Gabor
#   filter at frequency $f$ (cycles per pixel) and orientation $\theta$ is a plane wave under
#   a Gaussian window:
#
# $$g_{f,\theta}(x, y) = \frac{1}{2\pi\sigma_x\sigma_y}
# \exp\!\Big(-\frac{x'^2}{2\sigma_x^2} - \frac{y'^2}{2\sigma_y^2}\Big)\, e^{\,2\pi i f x'},
# \qquad x' = x\cos\theta + y\sin\theta,\; y' = -x\sin\theta + y\cos\theta,$$
#
# with $\sigma_x, \sigma_y \propto 1/f$ (a one-octave bandwidth). Its response to the
# lightness $I$ is large where $I$ oscillates at about $f$ along $\theta$. The **local
# energy** is $e_{f,\theta} = G_s * \lvert g_{f,\theta} * I\rvert$ (the modulus smoothed by a
# Gaussian of $s = 6$ pixels), and the feature is $\log e_{f,\theta}$ for
# $f \in \{0.05, 0.1, 0.2, 0.4\}$ and 4 orientations: 16 channels, with the smoothed colour
# and the position. Each feature is standardised and each block (texture, colour, position)
# scaled to the same total variance, so 16 texture channels do not outvote 3 colour ones.
# These settings were fixed on mosaics of another seed (1), never on the scored ones.

# %%
i = next(j for j, k in enumerate(mosaics.kinds) if k == "texture")
energies = classical.gabor_features(mosaics.images[i])
fig, axes = plt.subplots(1, 5, figsize=(11, 2.6))
axes[0].imshow(mosaics.images[i])
axes[0].set_title("a texture-only mosaic", fontsize=8)
for ax, (c, (f, o)) in zip(axes[1:], [(1, (0.05, 45)), (4, (0.1, 0)), (10, (0.2, 90)),
                                      (12, (0.4, 0))], strict=True):
    ax.imshow(energies[..., c], cmap=viz.CMAP)
    ax.set_title(f"log energy f={f}, θ={o}°", fontsize=8)
for ax in axes:
    ax.axis("off")
fig.tight_layout()

# %% [markdown]
# ## Differentiable feature clustering (Kim, Kanezaki & Tanaka 2020)
#
# A small fully-convolutional network (`unsuplab.networks.fcn`: $M$ blocks of 3×3 conv,
# ReLU, normalisation, then a 1×1 conv) maps the image to a **response**
# $r_p \in \mathbb{R}^q$ per pixel, normalised per channel over the image (zero mean, unit
# variance). The label of a pixel is $c_p = \arg\max_j r_{p,j}$. The network is trained **on
# this one image**, from the same initial weights for every image, by repeating:
#
# 1. compute the pseudo-labels $c_p = \arg\max_j r_{p,j}$ (fixed during the step);
# 2. take one SGD step on
#
# $$L = \underbrace{\frac{1}{N}\sum_p -\log \frac{e^{r_{p, c_p}}}{\sum_j e^{r_{p,j}}}}_{L_{sim}}
# \; + \; \mu\, \underbrace{\Big(\frac{1}{|E_v|}\sum_{(p, p') \in E_v}
# \frac{\lVert r_p - r_{p'}\rVert_1}{q} + \frac{1}{|E_h|}\sum_{(p, p') \in E_h}
# \frac{\lVert r_p - r_{p'}\rVert_1}{q}\Big)}_{L_{con}},$$
#
# where $E_v$, $E_h$ are the vertically and horizontally adjacent pixel pairs and $N$ the
# number of pixels.
#
# **Where the loss comes from.** $L_{sim}$ is the cross-entropy of the classifier
# $\operatorname{softmax}(r_p)$ against its own argmax: it is small when each pixel is *sure*
# of its cluster. Minimising it pushes $r_{p, c_p}$ up and the other channels down for every
# pixel; since the network is a smooth function of the input, pixels with similar features
# are pushed the same way, so clusters of similar pixels become confident together — a soft,
# learned k-means whose "centres" are the 1×1 conv's weights. The argmax is a step function:
# no gradient flows through $c_p$; the labels are refreshed after each step (like the
# assignment step of k-means between updates).
#
# **Why argmax labels need the continuity term.** With $L_{sim}$ alone the best move is to
# make each pixel more confident in whatever it already leans to: the random initial network
# fixes a per-pixel colour quantisation, and training only sharpens it. Textured regions
# stay salt-and-pepper, and the number of labels falls less. $L_{con}$ penalises responses
# that change between neighbours; a pixel whose neighbours lean to another cluster is pulled
# over, clusters lose their scattered pixels, and regions form. $\mu$ balances confident
# labels against coherent ones. The per-channel normalisation of $r$ keeps every channel
# alive (a constant response has unit variance nowhere), so training does not collapse to
# one cluster in a few steps.
#
# **Merging to K.** The network starts with $q = 32$ possible clusters; after training, the
# remaining clusters are merged to $K$ by size-weighted k-means (the rule the superpixel
# methods use) on their mean response for the RGB original, on their mean input feature for
# our variant — on mosaics of seed 1 each rule did better for its variant.
#
# **Our variant, `dfc_superpixel`.** Three changes to the original, each aimed at one failure:
#
# 1. *Texture as input.* The network gets the CIELAB colour and the 16 Gabor log-energies
#    $e_{f,\theta}$ instead of RGB alone: the original's receptive field (5×5 pixels with two
#    3×3 convs) is too small to see a texture's period, and 150 steps on one image are too few
#    to learn texture filters from scratch.
# 2. *Fixed units, not per-image standardisation.* The input of pixel $p$ is
#    $$x_p = \big(\tfrac{1}{10}(L^*_p, a^*_p, b^*_p),\; e_{f,\theta}(p)\big) - \bar x,$$
#    centred on the image mean $\bar x$ but not divided by the image's standard deviation. A
#    colour difference $\Delta E = 10$ then weighs as much as a factor $e$ in a filter's
#    energy, *in every image*. Standardising each channel per image (our first version) gives
#    a channel that carries no signal — the Gabor energies of a one-texture mosaic, the
#    chroma of a one-hue mosaic — the same unit variance as one that splits the regions: its
#    noise is amplified until it outvotes the signal. In fixed units a channel that hardly
#    varies stays small. (The unit 10 was chosen on mosaics of seed 1.)
# 3. *Superpixel vote* (after Kanezaki 2018, where the vote refines the pseudo-labels at
#    every training step; here it is applied once, after training). Quickshift's
#    over-segmentation $S$ (tens of
#    superpixels, *before* any merging) follows colour edges to the pixel; the CNN groups
#    pixels by texture but blurs edges over its receptive field. Each superpixel $s$ takes
#    the cluster most of its pixels have,
#    $$c'_p = \arg\max_j \big|\{p' \in s(p) : c_{p'} = j\}\big|,$$
#    before the clusters are merged to $K$: sharp edges from the superpixels, grouping from
#    the network.

# %%
fig = segviz.dfc_schematic()

# %% [markdown]
# ### Learning curves on one mosaic
#
# The loss, its two terms and the number of distinct labels, step by step, with and without
# the continuity term ($\mu = 0$). Without it the continuity of the response *grows* while
# the cross-entropy falls (the labels sharpen pixel by pixel), and more labels survive.
# (This cell shows the network alone: no superpixel vote.)

# %%
# NBVAL_IGNORE_OUTPUT
i = next(j for j, k in enumerate(mosaics.kinds) if k == "both")
image, k = mosaics.images[i], int(mosaics.n_regions[i])
x = ch07.deep_inputs(image, ch07.DEEP_METHOD)
steps = config.setting("seg.steps")
results, histories = {}, {}
for mu in (0.0, 1.0):
    model = ch07.build_feature_clustering(ch07.DEEP_METHOD, continuity=mu, seed=0)
    raw = model.segment(x, steps=steps)  # the clusters as they are, no merging
    merged = model.segment(x, k, steps=steps, merge_on=ch07.MERGE_ON[ch07.DEEP_METHOD])
    histories[mu] = model.training_history
    results[f"μ={mu:g}: raw clusters"] = (raw, f"{raw.max() + 1} labels")
    results[f"μ={mu:g}: merged to k"] = (
        merged, f"mIoU {segmentation_scores(mosaics.labels[i], merged)['miou']:.2f}")
fig, axes = plt.subplots(1, 3, figsize=(11, 3.0))
for mu, h in histories.items():
    axes[0].plot(h["similarity_loss"], label=f"L_sim, μ={mu:g}")
    axes[1].plot(h["continuity_loss"], label=f"L_con, μ={mu:g}")
    axes[2].plot(h["n_segments"], label=f"μ={mu:g}")
for ax, ylabel in zip(axes, ("cross-entropy", "continuity", "distinct labels"), strict=True):
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
fig.suptitle("Per-image training of the deep method")
fig.tight_layout()

# %%
fig = segviz.segmentation_rows(image, results, truth=mosaics.labels[i],
                               title="Raw clusters with and without the continuity term")

# %% [markdown]
# Compare the *raw* clusters: without the continuity term they are scattered along edges and
# inside textures. After merging to $K$ the difference can be small, or even reversed on one
# mosaic: the merge by mean colour and texture removes much of the scatter. Whether
# $\mu = 1$ helps *on average* is a measurement to make on mosaics of seed 1 (try it).

# %% [markdown]
# ## Every method on the same mosaics
#
# `ch07.run_methods` runs each method on each mosaic with the true $K$ and scores it; the
# benchmark runs the very same function on the full set (the deep method over 3 seeds).

# %%
# NBVAL_IGNORE_OUTPUT
records = ch07.run_methods(mosaics)
rows = ch07.summarize(records)
show_table([{"method": ch07.LABELS[r["method"]], "mIoU": r["miou"],
             "sd (mosaics)": r["miou_sd_mosaics"], "ARI": r["ari"], "VI": r["vi"],
             "s / image": r["s_per_image"]} for r in rows])

# %%
fig = segviz.score_chart(rows, records, metric="miou", labels=ch07.LABELS,
                         title="Hungarian-matched mIoU per method (dots: one mosaic each)")

# %% [markdown]
# ### By kind of mosaic
#
# What each method can see shows up by kind: colour methods solve the *colour* and *both*
# mosaics and fail on *texture* ones, whose regions share their colour distribution.

# %%
# NBVAL_IGNORE_OUTPUT
kinds = sorted(set(mosaics.kinds))
show_table([{"method": ch07.LABELS[m], **{kind: float(np.mean(
    [r["miou"] for r in records if r["method"] == m and r["kind"] == kind])) for kind in kinds}}
    for m in ch07.METHOD_NAMES])

# %% [markdown]
# ## Real photographs
#
# No ground truth here: look. Each method with $K = 4$.

# %%
# NBVAL_IGNORE_OUTPUT
shown = ("kmeans_colour", "quickshift", "gabor_kmeans", "dfc_rgb", ch07.DEEP_METHOD)
for name, photo in d.photos.items():
    out = {ch07.LABELS[m]: (ch07.segment(photo, 4, m).labels, "") for m in shown}
    fig = segviz.segmentation_rows(photo, out, title=name)

# %% [markdown]
# ## Interactive: pick an image, a method and k
#
# The overlay draws the segment boundaries; on a mosaic the mIoU and ARI against the truth
# are shown live. Try a texture-only mosaic with colour k-means and with the deep variant,
# and $K$ larger than the number of regions (an extra segment is a miss).

# %%
# NBVAL_IGNORE_OUTPUT
from unsuplab.widgets.segmentation import segmentation_explorer  # noqa: E402

images = {f"mosaic {j} ({mosaics.kinds[j]})": mosaics.images[j] for j in range(len(mosaics))}
truths = {f"mosaic {j} ({mosaics.kinds[j]})": mosaics.labels[j] for j in range(len(mosaics))}
images.update(d.photos)
explorer = segmentation_explorer(images, lambda x, k, m: ch07.segment(x, k, m),
                                 ch07.METHOD_NAMES, truths=truths, k=3, method="kmeans_colour")
explorer

# %% [markdown]
# ## Summary
#
# - Segmentation is clustering of pixel features; the feature decides what a method can
#   separate. Colour alone cannot split regions that share a colour distribution.
# - A segmentation is scored against the truth after a one-to-one matching of labels
#   (Hungarian mIoU), or with partition scores that need none (ARI, VI).
# - Superpixel methods must be merged to $K$ to be compared; we merge by size-weighted
#   k-means on mean colour, so they inherit colour's blind spot.
# - Differentiable feature clustering trains a CNN on each image on its own argmax labels;
#   the continuity loss is what turns a random colour quantisation into regions.
# - On the 24 mosaics of the benchmark (`benchmarks/RESULTS.md`, section `segmentation`) the
#   deep method, our variant `dfc_superpixel` (colour and Gabor energies in fixed units,
#   quickshift superpixels voting the network's clusters), reaches **mIoU 0.70**<!-- results/segmentation.json:deep_miou_mean --> (sd 0.013<!-- results/segmentation.json:deep_miou_sd -->
#   over 3 seeds; ARI 0.69<!-- results/segmentation.json:deep_ari_mean -->). The best classical method, **quickshift merged by colour,
#   scores 0.66**<!-- results/segmentation.json:best_classical_miou --> (ARI 0.64<!-- results/segmentation.json:quickshift_ari -->); Kim et al.'s RGB original 0.58<!-- results/segmentation.json:dfc_rgb_miou -->, Gabor + k-means 0.54<!-- results/segmentation.json:gabor_kmeans_miou -->, colour
#   k-means 0.53<!-- results/segmentation.json:kmeans_colour_miou -->. Our first variant (standardised inputs, no vote) scored lower. The target
#   we set ourselves — deep ≥ best classical + 0.10 — is **missed by 0.06<!-- 0.1 - results/segmentation.json:target_margin -->** (margin +0.04<!-- results/segmentation.json:target_margin -->).
#   That margin is a difference of means over the same 24 mosaics; the record keeps no
#   per-mosaic scores, so it has no paired interval (chapter 08), and the sd over 3 seeds
#   measures only the deep method's training noise: it does not show that the deep variant
#   beats quickshift on mosaics like these, only that it did on average on these 24.
# - Where the mIoU is won and lost says why. On *texture-only* mosaics the deep variant
#   scores 0.42<!-- results/segmentation.json:dfc_superpixel_texture_miou --> (quickshift 0.30<!-- results/segmentation.json:quickshift_texture_miou -->, Gabor + k-means 0.43<!-- results/segmentation.json:gabor_kmeans_texture_miou -->), on *mixed* ones 0.60<!-- results/segmentation.json:dfc_superpixel_mixed_miou --> (quickshift
#   0.48<!-- results/segmentation.json:quickshift_mixed_miou -->): ahead of quickshift, but level with Gabor + k-means on texture-only mosaics
#   (means over the 6 mosaics of each kind, no interval). On *colour-only* (0.94<!-- results/segmentation.json:dfc_superpixel_colour_miou --> vs 0.95<!-- results/segmentation.json:quickshift_colour_miou -->)
#   and *both* (0.86<!-- results/segmentation.json:dfc_superpixel_both_miou --> vs 0.93<!-- results/segmentation.json:quickshift_both_miou -->) mosaics quickshift is as good or better, and they leave no
#   room to gain. The
#   ceiling is the texture feature: 16 Gabor energies smoothed over 6 pixels separate
#   some texture pairs and not others, and neither k-means nor a network trained for 150
#   steps on one image finds a texture boundary its inputs do not show.
#
# ### FAQ
#
# **Why give every method the true k?** To compare the features and the grouping, not the
# choice of $K$ (a model-selection problem of its own). Kim et al. let the number of labels
# fall during training and stop at a minimum; we train a fixed number of steps and merge.
#
# **How does this compare with the paper's mIoU of .305 on BSDS500?** It cannot be compared:
# BSDS500 has several human segmentations per photograph and many small regions; our mosaics
# have 3–5 large regions and one exact truth. The protocol here is stated in full
# (`unsuplab.chapters.ch07`) so that it can be re-run.
#
# **How long does an image take?** The classical methods take 0.01<!-- min(results/segmentation.json:kmeans_colour_s_per_image, results/segmentation.json:kmeans_colour_xy_s_per_image, results/segmentation.json:slic_s_per_image, results/segmentation.json:felzenszwalb_s_per_image, results/segmentation.json:quickshift_s_per_image, results/segmentation.json:gabor_kmeans_s_per_image) -->–0.11 s<!-- max(results/segmentation.json:kmeans_colour_s_per_image, results/segmentation.json:kmeans_colour_xy_s_per_image, results/segmentation.json:slic_s_per_image, results/segmentation.json:felzenszwalb_s_per_image, results/segmentation.json:quickshift_s_per_image, results/segmentation.json:gabor_kmeans_s_per_image) --> per 128×128
# image; the deep method 3.3 s<!-- results/segmentation.json:deep_s_per_image --> on 2 CPU cores (150 steps; `deep_s_per_image` in the record).
#
# **Did you tune the methods on these mosaics?** No: the Gabor bank, the block weights, the
# deep method's steps, width, merging rule, input units and superpixel vote were chosen on
# the 24 mosaics of seed 1 (there `dfc_superpixel` scored above quickshift,
# our first variant, standardised inputs and no vote, below it); the scored mosaics
# are seed 0.
#
# **Why instance normalisation instead of batch normalisation?** On a batch of one image
# they compute the same statistics in training; instance normalisation also keeps them at
# inference and has no running averages to go stale.
#
# ## References
#
# - W. Kim, A. Kanezaki, M. Tanaka. *Unsupervised learning of image segmentation based on
#   differentiable feature clustering.* IEEE TIP 29, 2020.
# - A. Kanezaki. *Unsupervised image segmentation by backpropagation.* ICASSP 2018
#   (the superpixel refinement of the pseudo-labels).
# - A. K. Jain, F. Farrokhnia. *Unsupervised texture segmentation using Gabor filters.*
#   Pattern Recognition 24(12), 1991.
# - R. Achanta et al. *SLIC superpixels compared to state-of-the-art superpixel methods.*
#   IEEE TPAMI 34(11), 2012.
# - P. Felzenszwalb, D. Huttenlocher. *Efficient graph-based image segmentation.* IJCV 59, 2004.
# - A. Vedaldi, S. Soatto. *Quick shift and kernel methods for mode seeking.* ECCV 2008.
# - M. Meilă. *Comparing clusterings — an information based distance.* J. Multivariate
#   Analysis 98, 2007 (variation of information).
# - L. Hubert, P. Arabie. *Comparing partitions.* J. Classification 2, 1985 (ARI).
# - H. W. Kuhn. *The Hungarian method for the assignment problem.* Naval Research Logistics
#   Quarterly 2, 1955.
#
# ## Exercises
#
# Each checked exercise prints ✅ or ❌ with feedback. Solutions and the answers to the
# questions are in `solutions/ch07.py` (for teachers).
#
# **07.1 — Hungarian-matched mIoU.** Write `my_miou(labels_true, labels_pred)` for two (H, W)
# integer label maps: the IoU matrix of true regions × predicted segments, the one-to-one
# matching that maximises the total IoU (`scipy.optimize.linear_sum_assignment(...,
# maximize=True)`), and the mean over the *true regions* (an unmatched region counts 0).

# %%
from unsuplab.exercises import check  # noqa: E402


def my_miou(labels_true, labels_pred):
    ...  # your code here


check("07.1", my_miou)

# %% [markdown]
# **07.2 — One k-means step in colour + position space.** Write
# `my_kmeans_step(image, centres, position_weight)`: the feature of pixel $(i, j)$ of an
# (H, W, 3) image is $(R, G, B, w\, i/(H-1), w\, j/(W-1))$; assign each pixel to the nearest
# of the (k, 5) `centres` (Euclidean), then move each centre to the mean of its pixels (a
# centre with no pixel stays put). Return `(labels of shape (H, W), new_centres)`, and do
# not modify `centres`.

# %%
def my_kmeans_step(image, centres, position_weight):
    ...  # your code here


check("07.2", my_kmeans_step)

# %% [markdown]
# **07.3 — The continuity loss.** Write `my_continuity(response)` for an (H, W, q) NumPy
# array: the mean absolute difference of vertically adjacent responses plus that of
# horizontally adjacent ones (no wrap-around), one number.

# %%
def my_continuity(response):
    ...  # your code here


check("07.3", my_continuity)

# %% [markdown]
# **07.4 — The model's loss, in the model.** Write `my_dfc_loss(response)` with `keras.ops`
# only: `response` is a (N, H, W, q) tensor; return $L_{sim} + L_{con}$ ($\mu = 1$). The
# checker evaluates it on a fixed response, then puts it in `FeatureClustering.compute_loss`
# and trains on a two-colour image, which must come out in two regions. Hint:
# `keras.losses.sparse_categorical_crossentropy(labels, response, from_logits=True)`.

# %%
def my_dfc_loss(response):
    ...  # your code here


check("07.4", my_dfc_loss)

# %% [markdown]
# **07.6 — The whole loop, on one image.** Write what `FeatureClustering.segment` does with
# its network, in your own loop: `kim_segment(network, optimizer, image, steps, mu)`. `image`
# is (H, W, C); `network` maps a batch (1, H, W, C) to the response (1, H, W, q). At each of
# the `steps` steps: take the pseudo-labels, the argmax of the current response; record how
# many distinct labels there are; then take one `optimizer` step on the loss of 07.4 with the
# continuity term weighted by `mu`, on that step's pseudo-labels (gradients from
# `value_and_grad(loss_fn, network.trainable_variables)`, as in 04.6). Return
# `(labels, n_segments)`: the argmax of the *trained* network's response, (H, W), and the list
# of counts, one per step. The check runs three of your steps next to the reference loop,
# then 40 steps on a photograph next to `FeatureClustering.segment`, from the same weights:
# your segmentation and your counts must agree with the library's. Watch `n_segments`: when
# do clusters merge, and what does `mu` change?

# %%
from unsuplab.exercises import value_and_grad  # noqa: E402, F401


def kim_segment(network, optimizer, image, steps, mu):
    ...  # your code here (about 20 lines)


check("07.6", kim_segment)

# %% [markdown]
# **07.5 — (open, discussion: no check) Learned features.** Start the deep method from learned features: feed the
# first convolutional layers of the chapter 01 autoencoder's encoder (or its feature maps) as
# input channels. Compare with the Gabor channels on mosaics of seed 1 first — why not on
# the scored mosaics?
#
# ### Conceptual and derivation questions
#
# Pen and paper, no check: reference answers for teachers are in `solutions/answers.md`.
#
# **07.C1 — Why the continuity term.** Explain why training on argmax pseudo-labels with
# $L_{sim}$ alone keeps the initial random quantisation of colours, and what $L_{con}$
# changes. What happens as $\mu$ grows very large?
#
# **07.C2 — The gradient of $L_{sim}$.** For one pixel with response $r \in \mathbb{R}^q$ and
# $c = \arg\max_j r_j$, show that $\partial L_{sim} / \partial r = \operatorname{softmax}(r) -
# e_c$ (treating $c$ as fixed), and that a small gradient step on $r$ alone never changes the
# argmax. So what changes the labels during training?
#
# **07.C3 — One-to-one matching.** Why is mIoU computed with a *one-to-one* matching? Give a
# segmentation that scores a perfect 1 when each segment is merged into the region it mostly
# covers (many-to-one), while its one-to-one mIoU is 0.5 or less.
#
# **07.C4 — Single pixels cannot see texture.** On the texture-only mosaics colour k-means
# scores little better than chance. Using how the mosaics are built (standardised lightness,
# one hue), explain why no method that looks at single pixels can do much better.
