# %% [markdown]
# # 08 — Unsupervised pretraining for few labels, and generative augmentation, measured
#
# The promise is everywhere: "unsupervised learning improves classification" — pretrain an
# (variational) autoencoder on unlabelled images, then a classifier needs few labels; or let
# a generative model make more training data. Whether that is true is a *measurement*, and
# on Fashion-MNIST the answer is not obvious: logistic regression on raw pixels is a strong
# baseline, and a plain autoencoder's code beats it by a wide margin only with very few
# labels (by a point or three with more). This chapter measures, with the same label draws
# for every method, five representations (pixels, PCA, the chapter 01 autoencoder, the
# chapter 03 VAE, the chapter 06 contrastive encoder), four ways to use the labels (linear
# probe, label spreading over a kNN graph, fine-tuning, a CNN from scratch),
# and two generative augmentations, each with a confidence interval over the draws.
#
# **Objectives.** Explain why reconstruction features disappoint for classification and what
# an invariance objective (NT-Xent) changes; derive the NT-Xent loss and one step of label
# spreading; tell a linear probe from fine-tuning; run a few-label protocol honestly
# (class-balanced seeded draws, settings chosen on a validation split, means with intervals);
# judge generative augmentation by a paired interval, including when the answer is "no gain".
#
# **Time:** under a minute in quick mode (4 000 unlabelled images, 2 draws,
# short training; 29.9 s<!-- results/pretraining.json:notebook_quick_s --> recorded); in full mode on a 2-core laptop CPU from an empty model
# cache about 10 minutes<!-- results/pretraining.json:notebook_full_s -->, with a peak of 1758 MiB<!-- results/pretraining.json:notebook_full_peak_rss_mb --> (594 s<!-- results/pretraining.json:notebook_full_s --> recorded): the
# pretraining takes about 4 minutes<!-- results/pretraining.json:pretrain_s --> (241 s<!-- results/pretraining.json:pretrain_s -->) and the protocol and augmentation experiments
# about 6 minutes<!-- results/pretraining.json:protocol_s + results/pretraining.json:augment_s --> (308 s<!-- results/pretraining.json:protocol_s --> + 47 s<!-- results/pretraining.json:augment_s -->; `benchmarks/pretraining.py`, record "pretraining" in
# `benchmarks/RESULTS.md`).
#
# **Quick or full?** `UNSUPLAB_QUICK=1` pretrains on 4 000 images for 2 epochs and scores
# 1 000 test images with 10 and 100 labels, 2 draws; unset it for all 60 000 / 10 000 images,
# 10 to 10 000 labels, 5 draws (settings `fewlabel.*` in `unsuplab.config.SETTINGS`). The
# numbers quoted in the text come from `benchmarks/pretraining.py` (full mode), recorded in
# `benchmarks/RESULTS.md`.
#
# **Class plan.** Lecture (90 min): the question and the protocol (15); why reconstruction
# is not classification (15); invariance and the NT-Xent loss (20); linear probe,
# fine-tuning, the cluster assumption and label spreading (20); results and generative
# augmentation (20). Lab (90 min): run the notebook and the explorer (15), exercises
# 08.1–08.3 (25), 08.4 — the masked loss inside the model (15), 08.6 — SimCLR's training
# step (25), conceptual questions 08.C1–08.C3 (10).
#
# **Prerequisites.** Chapters 01 (autoencoders), 03 (VAE) and 06 (the contrastive encoder);
# logistic regression and cross-entropy (Hands-On ML ch. 4); k-nearest neighbours; a sum of
# a geometric series of matrices.
#
# **Notation.** As in the collection's table (chapter 00, `NOTATION.md`): $x$ an image,
# $z = f_\phi(x)$ its features, $K$ classes, $N$ images. Here $n$ is the number of labelled
# images, $W$ the kNN adjacency of the pool, $D$ its degree matrix, $F$ the label scores,
# $Y$ the one-hot given labels, $\alpha$ the spreading weight, $\tau$ the NT-Xent temperature.

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
import time

import numpy as np

from unsuplab import config, viz
from unsuplab.chapters import ch08
from unsuplab.viz.tables import show_table

config.set_seed(0)
viz.set_style()
print(config.describe())
data = ch08.load_data()
print(f"unlabelled pool: {len(data.x_train)} images; test: {len(data.x_test)}; "
      f"label budgets {config.setting('fewlabel.label_counts')}, "
      f"{config.setting('fewlabel.n_draws')} draws each")

# %% [markdown]
# ## The protocol
#
# Every representation is *pretrained on the pool without labels*, then frozen. A label
# budget $n$ (10, 100, 1 000, 10 000) reveals $n/K$ labels of each class, drawn at random
# with a seed (exercise 08.1); each budget is drawn 5 times (seeds 0–4), and **every method
# sees the same draws**, so differences between methods are not differences of luck. Test
# images are never used to pretrain or to choose a setting: the probe's penalty, the graph's
# $k$ and metric, the contrastive layer and the chapter's method were chosen on a
# validation split of the *training* set (50 000 pool / 10 000 validation images); the
# CNN's steps and $\alpha$ were fixed beforehand.

# %%
fig = viz.pretraining_schematic()

# %% [markdown]
# ## Why reconstruction is not classification
#
# An autoencoder minimises $\frac1N \sum_i \lVert x_i - g(f(x_i))\rVert^2$: its code keeps
# what costs the most squared error to lose. On clothes that is the overall silhouette and
# the *brightness* of large areas — a dark shirt and a dark coat share most of their pixels —
# while what tells a shirt from a coat or a pullover (a collar, a zip, buttons, the length of
# the sleeves) covers few pixels and moves little error. Nothing in the loss asks the code to
# be *linearly separable by class*, nor invariant to what does not matter (a shift by two
# pixels changes the MSE a lot and the class not at all). A VAE adds a prior that makes the
# code smooth, not discriminative. So a linear probe on a reconstruction code often does
# only a little better than on the pixels themselves: in the benchmark's full run (5 draws), pixels give
# 0.695<!-- results/pretraining.json:pixels_probe_100 --> / 0.784<!-- results/pretraining.json:pixels_probe_1000 --> and the chapter 01 autoencoder's code 0.710<!-- results/pretraining.json:ae_probe_100 --> / 0.795<!-- results/pretraining.json:ae_probe_1000 --> at 100 / 1 000 labels,
# and the VAE's mean less (0.651<!-- results/pretraining.json:vae_probe_100 --> / 0.764<!-- results/pretraining.json:vae_probe_1000 -->). With only 10 labels the autoencoder's code does
# help a lot (0.476<!-- results/pretraining.json:ae_probe_10 --> against 0.364<!-- results/pretraining.json:pixels_probe_10 -->, summary table), plausibly because 32
# dimensions are easier to fit from 10 examples than 784 pixels.
#
# ## Invariance: the NT-Xent loss
#
# A contrastive encoder (chapter 06, SimCLR) is trained to *ignore* chosen changes: each
# image $x_i$ of a batch of $N$ gets two random views (crop, flip, brightness, contrast), so
# $2N$ views with projections $z_1..z_{2N}$; view $a$'s partner is $p(a)$. With cosine
# similarities $s_{ab} = z_a^\top z_b / (\lVert z_a\rVert \lVert z_b\rVert)$ and a
# temperature $\tau$, each view must pick its partner among the $2N - 1$ others — a
# $(2N-1)$-way softmax classification whose correct class is $p(a)$:
#
# $$\ell_a = -\log \frac{\exp(s_{a,p(a)}/\tau)}{\sum_{b \ne a} \exp(s_{ab}/\tau)},
# \qquad L = \frac{1}{2N} \sum_{a=1}^{2N} \ell_a .$$
#
# The gradient of $\ell_a$ with respect to $s_{ab}$ is $\frac{1}{\tau}(q_{ab} -
# [b = p(a)])$ with $q_{ab}$ the softmax weights: it pulls the partner closer and pushes every
# other view away in proportion to how similar it already is — the hard negatives count
# most, and a small $\tau$ sharpens that. What survives in the features is what the
# augmentations do not change: shape and structure rather than position or brightness.
# Exercise 08.2 computes $L$ for a small batch.
#
# ## Using the labels: probe, spreading, fine-tuning, scratch
#
# - **Linear probe**: multinomial logistic regression on the frozen features,
#   $p(y = k \mid z) = \mathrm{softmax}_k(Wz + b)$ — a test of the *representation*.
# - **Fine-tuning**: the encoder plus a linear head, all trained on the labels (it may move
#   the features towards the classes; with few labels it may also overfit them).
# - **CNN from scratch**: the same architecture, randomly initialised: the baseline a
#   pretraining must beat.
# - **Label spreading** (Zhou et al. 2004) uses the *unlabelled* images too, through the
#   **smoothness assumption**: images close in feature space share their class (the
#   *cluster* assumption, a related one, says that the decision boundary should cross
#   low-density regions). Build the
#   symmetric kNN graph $W$ of the pool's features ($W_{ij} = 1$ if $j$ is among the $k$
#   nearest of $i$ or $i$ among those of $j$), $D = \mathrm{diag}(\sum_j W_{ij})$,
#   $S = D^{-1/2} W D^{-1/2}$, and iterate from $F^{(0)} = Y$
#
# $$F^{(t+1)} = \alpha S F^{(t)} + (1-\alpha) Y .$$
#
# Unrolled, $F^{(t)} = (\alpha S)^t Y + (1-\alpha)\sum_{j=0}^{t-1} (\alpha S)^j Y$; the
# eigenvalues of $S$ lie in $[-1, 1]$, so for $0 < \alpha < 1$ the first term vanishes as
# $t \to \infty$ and the series converges to $F^* = (1-\alpha)(I - \alpha S)^{-1} Y$. Each
# image takes $\arg\max_k F_{ik}$: a label travels along paths of neighbours, weakened by
# $\alpha$ at each hop. (Exercise 08.3 writes one step.) We run 30 steps at $\alpha = 0.99$
# on the 60 000 pool images: that is **not** $F^*$ — the first term still weighs up to
# $0.99^{30} \approx 0.74$ and the series is truncated after 30 hops, so what we use is
# $F^{(30)}$, a label spread over at most 30 hops of the graph (scikit-learn's
# `LabelSpreading` likewise stops after `max_iter=30`). A test image then takes the mean
# label distribution of its $k$ nearest pool images.

# %% [markdown]
# ## Pretrain the representations (no labels)
#
# Each recipe goes through the model cache: the chapter 01 convolutional autoencoder
# (32-d code), the chapter 03 convolutional VAE (16-d posterior mean; also our generator
# below), the chapter 06 contrastive encoder (its 256-d hidden layer, not the 64-d code:
# `unsuplab.chapters.ch08`), trained here on the pool only.

# %%
# NBVAL_IGNORE_OUTPUT
feats = {}
for name in ch08.REPRESENTATIONS:
    start = time.perf_counter()
    feats[name] = ch08.features(name, data)
    print(f"{name:12s} {feats[name].train.shape[1]:4d} features, "
          f"{time.perf_counter() - start:5.1f} s")

# %%
histories = {name: feats[name].encoder.training_history["loss"]
             for name in ("ae", "vae", "contrastive")}
for name, loss in histories.items():
    fig = viz.plot_history({"loss": loss}, title=f"{name}: pretraining loss")

# %% [markdown]
# ## The label-efficiency curve
#
# Every (representation, method) pair of `ch08.PAIRS` is run on every budget and draw. The CNN
# methods run on 100 and 1 000 labels only (`fewlabel.cnn_label_counts`: each is a training
# of its own).

# %%
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
records = ch08.run_protocol(data, feats, ch08.PAIRS)
rows = ch08.summarize(records)
print(f"{len(records)} runs in {time.perf_counter() - start:.0f} s")

# %%
fig = viz.plot_label_efficiency(rows)

# %%
table = [{"representation": r["representation"], "method": r["method"],
          "labels": r["n_labels"], "accuracy": f"{r['mean']:.3f} ± {r['sd']:.3f}"}
         for r in rows if r["n_labels"] in (100, 1000)]
show_table(table)

# %% [markdown]
# Read the table by column: at 100 labels, which representation gains over the pixels, and
# does spreading over the unlabelled images add to it? The full-mode answer is in the
# summary below.
#
# ## Generative augmentation, two honest experiments
#
# Both add synthetic labelled images to 100 labels and retrain the scratch CNN with the
# same seed and steps; the gain is the *paired* difference on the same draws, with a
# Student-t 95% interval over the draws ($\bar d \pm t_{n-1, .975}\, s_d/\sqrt{n}$).
#
# (a) **Latent-space augmentation**: encode the labelled images with the VAE, decode
# $z = (1-\lambda) z_i + \lambda z_j + \sigma s \odot \varepsilon$ for two images $i, j$ of
# the same class ($\lambda \sim U(0, 0.5)$, $s$ the codes' sd, $\sigma = 0.5$), labelled as
# $x_i$. (b) **Pseudo-labelled samples**: draw images from the VAE's prior, label them with
# the CNN trained on the 100 labels, keep those with confidence $\ge 0.9$.
#
# We use the chapter 03 VAE as the generator because it is trained here anyway and its
# decoder gives both experiments (encode *and* sample); the GAN of chapter 04 has no encoder
# for (a), but plugs into (b) unchanged — exercise 08.5.

# %%
vae = feats["vae"].encoder
idx = np.flatnonzero(data.y_train == 0)[:8]
from unsuplab.models.augment import latent_augment  # noqa: E402

new, _ = latent_augment(vae, data.x_train[idx], data.y_train[idx], 8, seed=0)
fig = viz.image_rows({"labelled": data.x_train[idx], "(a) latent": new,
                      "(b) samples": vae.sample(8, seed=0)}, n=8,
                     title="Synthetic images: same-class latent mixes, prior samples")

# %%
# NBVAL_IGNORE_OUTPUT
augment = ch08.augment_experiments(data, vae)
for kind, out in augment.items():
    g = out["gain"]
    print(f"({kind}) gain {100 * g['mean']:+.1f} points, 95% interval "
          f"[{100 * g['low']:+.1f}, {100 * g['high']:+.1f}]; synthetic images used "
          f"{out['kept']}")
fig = viz.plot_gains({kind: out["gain"] for kind, out in augment.items()})

# %% [markdown]
# An interval that straddles 0 is a result: with these generators the synthetic images
# carry no information that the 100 labelled images and the CNN's own inductive bias do not
# already hold — a VAE's samples are blurred averages, and a classifier that labels them can
# only confirm what it already believes.
#
# ## Interactive: labels × representation → accuracy and confusion matrix
#
# The features are computed above, so a probe (or label spreading: the first use of a
# representation builds its graph) answers at once. Which classes does each representation
# confuse? (Shirt, T-shirt, pullover and coat, almost always.)

# %%
from unsuplab.widgets import fewlabel_explorer  # noqa: E402

explorer = fewlabel_explorer({n: (f.train, f.test) for n, f in feats.items()},
                             data.y_train, data.y_test, class_names=data.class_names,
                             label_counts=config.setting("fewlabel.label_counts")[:3],
                             n_draws=config.setting("fewlabel.n_draws"))
explorer

# %% [markdown]
# ## Summary
#
# Full mode, `benchmarks/pretraining.py` (60 000 unlabelled images, 10 000 test images,
# mean ± sd over 5 draws; record "pretraining" in `benchmarks/RESULTS.md`):
#
# | representation + method | 10 | 100 | 1 000 | 10 000 |
# | --- | --- | --- | --- | --- |
# | pixels + probe | 0.364<!-- results/pretraining.json:pixels_probe_10 --> | 0.695<!-- results/pretraining.json:pixels_probe_100 --> | 0.784<!-- results/pretraining.json:pixels_probe_1000 --> | 0.795<!-- results/pretraining.json:pixels_probe_10000 --> |
# | PCA (50) + probe / + spreading | 0.320<!-- results/pretraining.json:pca_probe_10 --> / 0.553<!-- results/pretraining.json:pca_spreading_10 --> | 0.617<!-- results/pretraining.json:pca_probe_100 --> / 0.736<!-- results/pretraining.json:pca_spreading_100 --> | 0.771<!-- results/pretraining.json:pca_probe_1000 --> / 0.786<!-- results/pretraining.json:pca_spreading_1000 --> | 0.821<!-- results/pretraining.json:pca_probe_10000 --> / 0.797<!-- results/pretraining.json:pca_spreading_10000 --> |
# | autoencoder (32) + probe | 0.476<!-- results/pretraining.json:ae_probe_10 --> | 0.710<!-- results/pretraining.json:ae_probe_100 --> | 0.795<!-- results/pretraining.json:ae_probe_1000 --> | 0.825<!-- results/pretraining.json:ae_probe_10000 --> |
# | VAE mean (16) + probe | 0.357<!-- results/pretraining.json:vae_probe_10 --> | 0.651<!-- results/pretraining.json:vae_probe_100 --> | 0.764<!-- results/pretraining.json:vae_probe_1000 --> | 0.786<!-- results/pretraining.json:vae_probe_10000 --> |
# | contrastive (256) + probe | 0.521<!-- results/pretraining.json:contrastive_probe_10 --> | 0.735<!-- results/pretraining.json:contrastive_probe_100 --> | 0.836<!-- results/pretraining.json:contrastive_probe_1000 --> | 0.879<!-- results/pretraining.json:contrastive_probe_10000 --> |
# | contrastive + spreading | 0.597<!-- results/pretraining.json:contrastive_spreading_10 --> | 0.745<!-- results/pretraining.json:contrastive_spreading_100 --> | 0.799<!-- results/pretraining.json:contrastive_spreading_1000 --> | 0.808<!-- results/pretraining.json:contrastive_spreading_10000 --> |
# | contrastive, fine-tuned | | 0.738<!-- results/pretraining.json:contrastive_finetune_100 --> ± 0.015<!-- results/pretraining.json:contrastive_finetune_100_sd --> | 0.846<!-- results/pretraining.json:contrastive_finetune_1000 --> ± 0.003<!-- results/pretraining.json:contrastive_finetune_1000_sd --> | |
# | CNN from scratch | | 0.668<!-- results/pretraining.json:scratch_cnn_100 --> | 0.809<!-- results/pretraining.json:scratch_cnn_1000 --> | |
#
# - **Reconstruction features help mostly with very few labels.** The autoencoder's code
#   gains 11 points<!-- results/pretraining.json:ae_probe_10 - results/pretraining.json:pixels_probe_10 --> over the pixels with 10 labels (0.476<!-- results/pretraining.json:ae_probe_10 --> against 0.364<!-- results/pretraining.json:pixels_probe_10 -->), 1<!-- 100 * min(results/pretraining.json:ae_probe_100 - results/pretraining.json:pixels_probe_100, results/pretraining.json:ae_probe_1000 - results/pretraining.json:pixels_probe_1000, results/pretraining.json:ae_probe_10000 - results/pretraining.json:pixels_probe_10000) -->–3 points<!-- max(results/pretraining.json:ae_probe_100 - results/pretraining.json:pixels_probe_100, results/pretraining.json:ae_probe_1000 - results/pretraining.json:pixels_probe_1000, results/pretraining.json:ae_probe_10000 - results/pretraining.json:pixels_probe_10000) --> from
#   100 on (means over the same 5 label draws); the VAE's mean is below the pixels at every
#   budget, and both are below the contrastive features at every budget.
# - **Invariance helps.** The contrastive encoder (15 epochs, 144 s<!-- results/pretraining.json:contrastive_pretrain_s --> of pretraining) is the
#   best representation from 100 labels on; fine-tuned (the chapter's method, chosen on a
#   validation split before the test run) it reaches 0.738<!-- results/pretraining.json:best_100_mean --> with 100 labels — 7 points<!-- results/pretraining.json:best_minus_scratch_100 --> over
#   the same CNN from scratch (0.668<!-- results/pretraining.json:scratch_cnn_100 -->), but short of the 0.75 we aimed at — and 0.846<!-- results/pretraining.json:best_1000_mean --> with
#   1 000 (target 0.83: met).
# - **Spreading helps only with very few labels.** Over the kNN graph of the 60 000 pool
#   images it wins at 10 labels (0.597<!-- results/pretraining.json:contrastive_spreading_10 --> against 0.521<!-- results/pretraining.json:contrastive_probe_10 --> for the probe) and 100 (0.745<!-- results/pretraining.json:contrastive_spreading_100 -->, the
#   best number at 100), and loses from 1 000 on: a label travelling along the graph is
#   worth less than a label fitted directly, once there are enough of them.
# - **Generative augmentation did not help.** Adding 1 000 VAE-decoded same-class mixes to
#   100 labels changed the scratch CNN by −2.6 points<!-- results/pretraining.json:augment_latent_gain_100 --> (95% interval [−5.3<!-- results/pretraining.json:augment_latent_ci95_low * 100 -->, +0.2<!-- results/pretraining.json:augment_latent_ci95_high * 100 -->]); VAE
#   samples pseudo-labelled by that CNN (542<!-- results/pretraining.json:augment_generative_kept --> kept on average) by −0.8<!-- results/pretraining.json:augment_generative_gain_100 * 100 --> ([−1.9<!-- results/pretraining.json:augment_generative_ci95_low * 100 -->, +0.4<!-- results/pretraining.json:augment_generative_ci95_high * 100 -->]).
#   Likely reasons: the decoded images are blurred averages unlike the test images, and
#   the CNN's own labels cannot teach it what it does not already know (08.C3).
#
# ### FAQ
#
# **Supervised or unsupervised?** Supervised learning fits $p(y \mid x)$ from labelled
# pairs; unsupervised learning models the images alone ($p(x)$, a code, clusters). Here the
# unsupervised part (pretraining, the graph) uses 60 000 unlabelled images, and a supervised
# step uses the $n$ labels: *semi-supervised* learning.
#
# **Autoencoder, deep autoencoder or latent (variational) autoencoder?** For classification
# with few labels, the measurements above answer: the objective matters more than the depth.
# A reconstruction code (AE or VAE mean) is about as linearly useful as the pixels; an
# invariance objective (contrastive) is what moves the probe.
#
# **How to choose an autoencoder architecture for this?** Pick it by the probe on a
# validation split, not by the reconstruction error: the best reconstruction is not the
# best feature. Keep the code small (≤ 256 dims; a probe's memory grows with its size).
#
# ## References
#
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton. *A simple framework for contrastive
#   learning of visual representations* (SimCLR). ICML 2020.
# - D. Zhou, O. Bousquet, T. N. Lal, J. Weston, B. Schölkopf. *Learning with local and
#   global consistency.* NeurIPS 2004 (label spreading).
# - X. Zhu, Z. Ghahramani. *Learning from labeled and unlabeled data with label
#   propagation.* CMU-CALD-02-107, 2002.
# - O. Chapelle, B. Schölkopf, A. Zien (eds.). *Semi-Supervised Learning.* MIT Press 2006
#   (the cluster assumption).
# - D.-H. Lee. *Pseudo-label: the simple and efficient semi-supervised learning method.*
#   ICML workshop 2013.
# - P. Lippe. *UvA deep learning tutorial 17: self-supervised contrastive learning with
#   SimCLR* (the label-efficiency curve on STL-10).
# - H. Xiao, K. Rasul, R. Vollgraf. *Fashion-MNIST.* arXiv:1708.07747, 2017.
#
# ## Exercises
#
# Each checked exercise prints ✅ or ❌ with feedback. Solutions and the answers to the
# questions are in `solutions/ch08.py` (for teachers).
#
# **08.1 — A class-balanced draw.** Write `my_draw(y, n_labels, seed)`: return `n_labels`
# distinct *indices* into `y`, `n_labels / K` of each of the $K$ classes, chosen with
# `np.random.default_rng(seed)` (same seed, same draw).

# %%
from unsuplab.exercises import check  # noqa: E402


def my_draw(y, n_labels, seed):
    ...  # your code here


check("08.1", my_draw)

# %% [markdown]
# **08.2 — NT-Xent of a small batch.** Write `my_nt_xent(z1, z2, temperature)` for two
# (N, d) NumPy arrays (row $i$ of each: the two views of image $i$): the loss $L$ above,
# with cosine similarities, the $2N$ views as anchors and the anchor itself left out of
# its denominator.

# %%
def my_nt_xent(z1, z2, temperature):
    ...  # your code here


check("08.2", my_nt_xent)

# %% [markdown]
# **08.3 — One step of label spreading.** Write `my_spread_step(W, F, Y, alpha)`: return
# $\alpha S F + (1-\alpha) Y$ with $S = D^{-1/2} W D^{-1/2}$ (NumPy, dense, no in-place
# change).

# %%
def my_spread_step(W, F, Y, alpha):
    ...  # your code here


check("08.3", my_spread_step)

# %% [markdown]
# **08.4 — The masked cross-entropy, in the model.** Write
# `my_masked_crossentropy(labels, logits)` with `keras.ops` only: `labels` (N,) int, -1 for
# "no label"; `logits` (N, K). Return the mean cross-entropy of `softmax(logits)` over the
# labelled rows (0 if there is none). The checker puts it in `ImageClassifier.compute_loss`
# and trains on tiny data: it must train the model exactly like the library's loss. Hint:
# `keras.ops.log_softmax`, `keras.ops.take_along_axis`.

# %%
def my_masked_crossentropy(labels, logits):
    ...  # your code here


check("08.4", my_masked_crossentropy)

# %% [markdown]
# **08.6 — SimCLR's training step: two views, NT-Xent, one update.** Write the step that
# trains chapter 06's contrastive encoder, for any encoder and projection head:
# `contrastive_train_step(encoder, head, optimizer, seed, x, temperature)`. Draw two random
# views of the batch `x`, each with its own call `augment(x, seed=seed)` (the chapter's crops,
# flips and jitter; first view first, both before the loss: they need no gradient). Project
# each view with `head(encoder(view))` and compute the NT-Xent loss of 08.2 on the two
# batches of projections, now with `keras.ops`: cosine similarities divided by `temperature`,
# the $2N$ views as anchors, each anchor left out of its own denominator, the partner of view
# $i$ of the first batch being view $i$ of the second (and back). Take one `optimizer` step on
# the encoder's *and* the head's variables, with `value_and_grad(loss_fn, variables,
# has_aux=True)` as in 03.6, and return `(loss, accuracy)`, the accuracy being the share of the
# $2N$ views whose most similar other view is their partner. The check runs three of your
# steps next to the reference's from the same weights, images and seed, then trains your
# step (compiled) for 200 steps on 4 096 images (well under a minute) and scores a linear
# probe on your encoder's features against the reference's and the untrained encoder's. What
# does the probe say about 200 steps, and what would you change to see more?

# %%
from keras import ops  # noqa: E402, F401 (your code uses ops.*)

from unsuplab.exercises import value_and_grad  # noqa: E402, F401
from unsuplab.networks import augment  # noqa: E402, F401


def contrastive_train_step(encoder, head, optimizer, seed, x, temperature):
    ...  # your code here (about 20 lines)


check("08.6", contrastive_train_step)

# %% [markdown]
# **08.5 — (open, discussion: no check) The GAN as generator.** Repeat experiment (b) with samples from the
# chapter 04 GAN instead of the VAE. Do sharper samples change the interval? Why can the GAN
# not run experiment (a) as it is?
#
# ### Conceptual and derivation questions
#
# Pen and paper, no check: reference answers for teachers are in `solutions/answers.md`.
#
# **08.C1 — Spreading converges.** Show that the eigenvalues of $S = D^{-1/2} W D^{-1/2}$
# lie in $[-1, 1]$, and derive $F^* = (1-\alpha)(I - \alpha S)^{-1} Y$ from the iteration.
# What does the limit $\alpha \to 1$ keep of $Y$, and why is it bad?
#
# **08.C2 — The NT-Xent gradient.** Show that $\partial \ell_a / \partial s_{ab} =
# (q_{ab} - [b = p(a)])/\tau$ with $q_{ab} = \exp(s_{ab}/\tau)/\sum_{c \ne a}
# \exp(s_{ac}/\tau)$. Which negatives dominate the gradient, and what does lowering $\tau$
# do?
#
# **08.C3 — Pseudo-labelled samples.** A classifier labels generated images and keeps the
# ones it is confident about; it is then retrained on them. Explain why this cannot correct
# its own systematic errors, and name what would have to be true of the generator for (b)
# to help.
