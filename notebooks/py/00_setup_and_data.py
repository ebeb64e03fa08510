# %% [markdown]
# # 00 — Setup and data: Fashion-MNIST, and a first unsupervised baseline
#
# This chapter checks that your environment works, introduces the data used throughout the
# collection, and measures the first unsupervised baseline: **k-means on raw pixels**. Every
# later chapter (autoencoders, VAEs, SOMs, clustering...) is compared against numbers like the
# ones you compute here.
#
# **Objectives.** Load Fashion-MNIST offline; look at it (classes, balance, pixel statistics);
# run k-means and score it without labels during training, with three metrics (ACC, NMI, ARI).
#
# **Time:** under a minute in quick mode and in full mode on a 2-core laptop CPU (12 s<!-- results/notebooks_quick.json:00_setup_and_data_quick_s --> and
# 78 s<!-- results/notebooks_full.json:00_setup_and_data_full_s --> recorded by `benchmarks/notebooks.py`).
#
# **Quick or full?** Every notebook reads one switch, the environment variable
# `UNSUPLAB_QUICK`: `UNSUPLAB_QUICK=1` runs small subsets and few epochs (a first look, CI);
# unset it for the real results. The values for both modes live in `unsuplab.config.SETTINGS`.
#
# **Class plan.** Lecture (60 min): the environment and the quick/full switch (5); the data,
# its balance and pixel statistics (15); k-means and Lloyd's algorithm, with the schematic
# (15); scoring a clustering without names — ACC with the Hungarian matching, NMI, ARI (15);
# what the centroids show, and why we learn features in later chapters (10). Lab (60 min): run
# the notebook and browse the data (10), exercises 00.1–00.3 (30), conceptual questions
# 00.C1–00.C3 (20).
#
# **Prerequisites.** Python and NumPy arrays, indexing and broadcasting (J. VanderPlas,
# *Python Data Science Handbook*, ch. 2); running a Jupyter notebook; the mean, variance and
# entropy of a discrete distribution (any probability course; T. Cover & J. Thomas, *Elements
# of Information Theory*, ch. 2, for mutual information); k-means at the level of
# A. Géron, *Hands-On Machine Learning*, 3rd ed., ch. 9.
#
# **Notation.** One notation serves the whole collection; its table is at the end of this
# chapter (section *Notation used in the collection*, also in `NOTATION.md`).

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
import numpy as np

from unsuplab import config, data, metrics, viz
from unsuplab.chapters import ch00

config.set_seed(0)
viz.set_style()
print(config.describe())

# %% [markdown]
# ### Your environment
# Versions, cores and accelerators. On a CPU-only machine `gpus` says `none`: everything in the
# collection still runs, only slower.

# %%
# NBVAL_IGNORE_OUTPUT
for key, value in config.environment_report().items():
    print(f"{key:>14}: {value}")

# %% [markdown]
# ## Load Fashion-MNIST
#
# [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist) (Xiao et al., 2017) has
# 70 000 grey-level images of 28×28 pixels of clothes in 10 classes: 60 000 for training and
# 10 000 for testing. It is a drop-in replacement for MNIST digits that is harder and closer to
# real images. `load_fashion_mnist()` looks for the files in this order: a folder you give it
# (or `UNSUPLAB_DATA`), the Keras cache, Debian's package `dataset-fashion-mnist`, and only then
# the network; every file is checked by its SHA-256.

# %%
# NBVAL_IGNORE_OUTPUT
print("files verified in:", data.fashion_mnist_path())
d = ch00.load_data()  # data.load_fashion_mnist(), as uint8 arrays
x_train, y_train, x_test, y_test, class_names = (d.x_train, d.y_train, d.x_test, d.y_test,
                                                  d.class_names)
print("x_train", x_train.shape, x_train.dtype, "| x_test", x_test.shape, "| classes:", class_names)

# %% [markdown]
# Images are kept as `uint8` (0–255): a quarter of the memory of `float32`. The package turns
# them to floats in $[0, 1]$ only when a batch is needed (`data.to_float`, `data.make_dataset`).
#
# Ten examples of every class:

# %%
rows = np.concatenate([x_train[y_train == c][:10] for c in range(10)])
fig = viz.image_grid(rows, ncols=10, size=0.9, title="Fashion-MNIST: one row per class")
for c, ax in enumerate(fig.axes[::10]):
    ax.set_title(class_names[c], fontsize=8, loc="left")

# %% [markdown]
# ## Class balance and pixel statistics
#
# Fashion-MNIST is balanced: 6 000 training images per class. That matters for clustering
# scores (a degenerate clustering can look good on unbalanced data).

# %%
import matplotlib.pyplot as plt

counts = np.bincount(y_train, minlength=10)
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(range(10), counts, color=viz.PALETTE[0])
ax.set_xticks(range(10), class_names, rotation=45, ha="right")
ax.set_ylabel("training images")
ax.set_title("Images per class (training set)")
print(dict(zip(class_names, counts.tolist(), strict=True)))

# %% [markdown]
# The mean image $\bar x = \frac1N\sum_i x_i$ and the per-pixel standard deviation show where the
# information is: the border is almost always black (no information), the centre varies a lot.
# The pixel histogram is far from Gaussian — most pixels are exactly 0.

# %%
x01 = data.to_float(x_train[:20000], channel_axis=False)
mean_img, std_img = x01.mean(axis=0), x01.std(axis=0)
fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
for ax, img, title in [(axes[0], mean_img, "mean image"), (axes[1], std_img, "pixel std")]:
    im = ax.imshow(img, cmap=viz.CMAP)
    ax.set_title(title)
    ax.axis("off")
    fig.colorbar(im, ax=ax, fraction=0.046)
axes[2].hist(x01.ravel(), bins=50, color=viz.PALETTE[1], log=True)
axes[2].set_xlabel("pixel value")
axes[2].set_ylabel("count (log)")
axes[2].set_title("pixel histogram")
fig.tight_layout()
print(f"mean pixel {x01.mean():.3f}, share of exact zeros {np.mean(x01 == 0):.2f}")

# %% [markdown]
# ## Other data in the collection
#
# * scikit-learn's **digits**: 1 797 real 8×8 handwritten digits (offline);
# * real **photographs** shipped inside scikit-image and scikit-learn (offline), used for
#   denoising, colour quantization and segmentation;
# * MNIST and CIFAR-10 are optional online extras (`data.load_mnist()` downloads and checks).

# %%
digits, digit_labels = data.load_digits()
fig = viz.image_grid(digits[:20], titles=digit_labels[:20].tolist(), ncols=10, size=0.8,
                     vmax=16, title="scikit-learn digits (8×8)")
photos = data.load_photos(["camera", "astronaut", "coffee", "chelsea", "china", "coins"], size=128)
# extra code: centre-crop to 128×128 and show grey photos as RGB, to fit one grid
squares = [p[(p.shape[0] - 128) // 2 :][:128, (p.shape[1] - 128) // 2 :][:, :128]
           for p in photos.values()]
fig = viz.image_grid(np.stack([np.dstack([p] * 3) if p.ndim == 2 else p for p in squares]),
                     titles=list(photos), ncols=6, size=1.8, title="Photographs shipped offline")

# %% [markdown]
# ## A first unsupervised baseline: k-means on raw pixels
#
# k-means looks for $K$ centroids $\mu_1,\dots,\mu_K$ minimising the within-cluster sum of
# squares
#
# $$J(\mu, c) = \sum_{i=1}^{N} \lVert x_i - \mu_{c_i} \rVert^2 .$$
#
# Lloyd's algorithm alternates two steps that each can only lower $J$:
#
# 1. **assignment**: $c_i \leftarrow \arg\min_k \lVert x_i - \mu_k\rVert^2$;
# 2. **update**: $\mu_k \leftarrow \frac{1}{|C_k|}\sum_{i \in C_k} x_i$ (the mean minimises the
#    squared distances of its cluster).
#
# $J$ is not convex: the result depends on the start, so we keep the best of `n_init` runs. The
# labels are *never* used to fit — only to score the result afterwards.

# %%
fig = viz.schematic("kmeans", k=3)  # Lloyd's two steps, on a toy data set

# %%
# NBVAL_IGNORE_OUTPUT
baseline = ch00.kmeans_baseline(d, seed=0)  # kmeans.train_size images, best of kmeans.n_init
km, x_fit, y_fit = baseline.model, baseline.x_fit, baseline.y_fit
print(f"k-means on {len(x_fit)} images: {baseline.fit_seconds:.1f} s, inertia {km.inertia_:.0f}")

# %% [markdown]
# ### Scoring a clustering
#
# Cluster numbers are arbitrary, so we need scores that do not care about names:
#
# * **ACC**: match clusters to classes one-to-one so as to maximise the matches (the Hungarian
#   algorithm), then the accuracy $\max_m \frac1N \sum_i 1[y_i = m(c_i)]$;
# * **NMI**: $\frac{I(Y;C)}{(H(Y)+H(C))/2}$, the information the clusters carry about the classes
#   (the arithmetic-mean normalisation, scikit-learn's default; some papers divide by
#   $\sqrt{H(Y)H(C)}$ instead, which gives a value at least as large);
# * **ARI**: the share of image *pairs* on which clusters and classes agree, corrected so that a
#   random clustering scores 0.
#
# The anchor from the literature and our calibration: on Fashion-MNIST, k-means on raw pixels
# reaches ACC ≈ 0.48<!-- results/setup_data.json:kmeans_test_acc --> and NMI ≈ 0.51<!-- results/setup_data.json:kmeans_test_nmi --> on the test set. Chapter 06 (image clustering) sets
# out to beat it with learned features; chapters 01 and 05 already give learned codes and maps.

# %%
for name, s in [("fit set", baseline.fit_scores), ("test set", baseline.test_scores)]:
    print(f"{name:>8}: ACC {s['acc']:.3f}  NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}")

# %% [markdown]
# What did k-means find? Each centroid is an "average garment"; the title says which class it
# was matched to and how pure its cluster is.

# %%
mapping = metrics.cluster_mapping(y_fit, km.labels_)
purity = [np.mean(y_fit[km.labels_ == k] == mapping.get(k, -1)) for k in range(10)]
fig = viz.image_grid(km.cluster_centers_.reshape(-1, 28, 28),
                     titles=[f"{class_names[mapping[k]]}\n{purity[k]:.0%}" for k in range(10)],
                     ncols=10, size=1.2, title="k-means centroids (matched class, purity)")

# %% [markdown]
# Shirts, T-shirts, pullovers and coats share one silhouette, so pixel distances mix them;
# trousers, bags and footwear are separated well. This is the motivation for the rest of the
# collection: learn a representation in which distances mean more than in pixel space.
#
# ## Explore the data
#
# Pick a dataset, a class and an index. (In a static view of the notebook only the first
# picture is shown; run the notebook to use the controls.)

# %%
from unsuplab.widgets import dataset_browser

digit_names = tuple(str(d) for d in range(10))
browser = dataset_browser({
    "Fashion-MNIST (train)": (x_train, y_train, class_names),
    "Fashion-MNIST (test)": (x_test, y_test, class_names),
    "digits (scikit-learn)": ((digits * 15).astype(np.uint8), digit_labels, digit_names),
})
browser

# %% [markdown]
# ## Notation used in the collection
#
# Every chapter writes its maths with these symbols (the same table is in `NOTATION.md`). The
# encoder's parameters are always $\phi$ and the decoder's $\theta$, as in the VAE literature.
#
# | symbol | meaning | where |
# | --- | --- | --- |
# | $N$, $D$ | number of images; dimension of one image as a vector ($D = H W C$, 784 for Fashion-MNIST) | all |
# | $x_i \in [0, 1]^D$ | image $i$; $X \in \mathbb{R}^{N \times D}$ has the images as rows (centred, $x_i - \bar x$, in 01) | all |
# | $\bar x$ | the mean image $\frac1N \sum_i x_i$ | 00, 01 |
# | $d$ | the **code size** (latent dimension), `latent_dim` in the code | 01, 03 |
# | $z \in \mathbb{R}^d$ | the code of an image | 01, 03 |
# | $\phi$, $\theta$ | parameters of the **encoder** ($\phi$) and of the **decoder** ($\theta$); a network that is not split in two has parameters $\theta$ | 01, 02, 03 |
# | $f_\phi$, $g_\theta$ | deterministic encoder and decoder: $z = f_\phi(x)$, $\hat x = g_\theta(z)$ | 01 |
# | $q_\phi(z \mid x)$, $p_\theta(x \mid z)$ | probabilistic encoder (approximate posterior) and decoder (likelihood), $p(z) = \mathcal{N}(0, I)$ the prior | 03 |
# | $\mu_\phi(x)$, $\sigma^2_\phi(x)$ | mean and variance that a VAE's encoder outputs (it outputs $\log \sigma^2$) | 03 |
# | $\hat x$, $\tilde x$, $y$ | a reconstruction or restored image; a damaged image; a noisy observation with no clean twin | 01, 02 |
# | $X = U S V^\top$ | SVD of the centred data; $V_d \in \mathbb{R}^{D \times d}$ holds the first $d$ right singular vectors (principal directions) | 01 |
# | $C = \frac1N X^\top X$ | the covariance; eigenvalues $\lambda_1 \ge \dots \ge \lambda_D \ge 0$, $\lambda_j = s_j^2 / N$ | 01 |
# | $K$, $\mu_k$, $c_i$ | number of clusters, centroid of cluster $k$, cluster of image $i$ | 00, 07 |
# | $k$ | a count the reader sets: neighbours in precision@$k$ (01), importance samples in $\mathcal{L}_k$ (03) | 01, 03 |
# | $J$ | a loss to **minimise** (k-means' sum of squares, the reconstruction error) | 00, 01, 02 |
# | $\mathcal{L}$, $\mathcal{L}_\beta$, $\mathcal{L}_k$ | the ELBO, a bound to **maximise**; its $\beta$-weighted and importance-weighted versions | 03 |
# | $\beta$ | the weight of the KL term | 03 |
# | $\sigma$ | a standard deviation: of the noise (02), of the encoder ($\sigma_\phi$, 03), the SOM's neighbourhood radius (05) | 02, 03, 05 |
# | $m \in \{0, 1\}^{H \times W}$ | a mask, 1 on known pixels | 02 |
# | $w_j$, $r_j$, $c(x)$ | SOM unit $j$'s prototype and grid position; the best-matching unit of $x$ | 05 |
# | $h_{cj}$, $\delta_{cj}$, $\eta$ | neighbourhood weight, grid distance $\lVert r_c - r_j \rVert$, learning rate | 05 |
# | $\mathrm{KL}(q \,\Vert\, p)$, $\mathbb{E}_q$ | Kullback–Leibler divergence $\mathbb{E}_q[\log q - \log p] \ge 0$; expectation under $q$ | 03 |
# | $\log$ | the natural logarithm: likelihoods are in nats ($\log_2$ gives bits) | 03 |

# %% [markdown]
# ## Summary
#
# * `unsuplab.data.load_fashion_mnist()` works offline (cache, Debian package or a folder you
#   give it) and verifies every file; images stay `uint8` until batched.
# * The quick/full switch is the environment variable `UNSUPLAB_QUICK`; settings for both modes
#   come from `unsuplab.config`.
# * k-means on raw pixels is the first unsupervised baseline. Fashion-MNIST is balanced, so ACC,
#   NMI and ARI are comparable across methods; the numbers recorded by
#   `benchmarks/setup_data.py` are in `benchmarks/RESULTS.md`.
# * Pixel distance confuses classes with the same silhouette: the reason to *learn* features.
#
# ## References
#
# * H. Xiao, K. Rasul, R. Vollgraf. *Fashion-MNIST: a Novel Image Dataset for Benchmarking
#   Machine Learning Algorithms.* arXiv:1708.07747, 2017.
# * S. P. Lloyd. *Least squares quantization in PCM.* IEEE Trans. Information Theory 28(2),
#   1982 (the k-means algorithm, written in 1957).
# * D. Arthur, S. Vassilvitskii. *k-means++: the advantages of careful seeding.* SODA 2007
#   (scikit-learn's initialisation).
# * H. W. Kuhn. *The Hungarian method for the assignment problem.* Naval Research Logistics
#   Quarterly 2, 1955 (the matching behind ACC).
# * A. Strehl, J. Ghosh. *Cluster ensembles — a knowledge reuse framework for combining
#   multiple partitions.* JMLR 3, 2002 (NMI); N. X. Vinh, J. Epps, J. Bailey. *Information
#   theoretic measures for clusterings comparison.* JMLR 11, 2010.
# * L. Hubert, P. Arabie. *Comparing partitions.* J. Classification 2, 1985 (ARI).
# * C. M. Bishop. *Pattern Recognition and Machine Learning*, §9.1–9.3, 2006 (k-means as the
#   limit of a Gaussian mixture's EM).
#
# ## Exercises
#
# Write your answer in the cell, then run it: `check(...)` tells you whether it is right, and if
# not, what is off — never the answer itself.
#
# **00.1 — The mean image.** Write `mean_image(images)` that takes a `uint8` batch of shape
# `(N, H, W)` and returns the per-pixel mean as floats in $[0, 1]$, shape `(H, W)`.

# %%
from unsuplab.exercises import check


def mean_image(images):
    ...  # your code here


check("00.1", mean_image)

# %% [markdown]
# **00.2 — The k-means assignment step.** Write `assign(x, centroids)` that returns, for each
# row of `x` (shape `(N, D)`), the index of the nearest centroid in Euclidean distance
# (`centroids` has shape `(K, D)`), shape `(N,)`. Try to do it without a Python loop
# (broadcasting), and leave `x` and `centroids` unchanged.

# %%
def assign(x, centroids):
    ...  # your code here


check("00.2", assign)

# %% [markdown]
# **00.3 — Clustering accuracy.** Write `accuracy(y_true, y_pred)` that matches clusters to
# classes one-to-one to maximise the number of matches, then returns the accuracy (one number
# in $[0, 1]$). One-to-one: two clusters whose majority is the same class cannot both count as
# that class, so this is not the *purity*. Hint: build the contingency table and use
# `scipy.optimize.linear_sum_assignment(..., maximize=True)`.

# %%
def accuracy(y_true, y_pred):
    ...  # your code here


check("00.3", accuracy)

# %% [markdown]
# ### Conceptual and derivation questions
#
# Pen and paper, no check: reference answers for teachers are in `solutions/answers.md`.
#
# **00.C1 — Lloyd's algorithm stops.** Show that neither the assignment step nor the update
# step can increase $J(\mu, c)$, and deduce that the algorithm stops after a finite number of
# iterations. Does it stop at the global minimum? Give a one-dimensional counter-example.
#
# **00.C2 — Why a one-to-one matching?** A tempting score labels each cluster with its
# majority class and counts the matches ("purity"). Show that purity reaches 1 with $K = N$
# clusters, whatever the data, and that with $K$ equal to the number of classes it is never
# below the Hungarian ACC. Why is NMI normalised, and what does ARI's "adjusted" correct?
#
# **00.C3 — k-means is a limit of a Gaussian mixture.** For a mixture of $K$ Gaussians
# $\mathcal{N}(\mu_k, s^2 I)$ with equal weights, write the EM responsibilities
# $r_{ik} = p(c_i = k \mid x_i)$ and show that as $s \to 0$ they become k-means' hard
# assignment, and the M-step becomes its update. What does this say about the cluster shapes
# k-means prefers?
