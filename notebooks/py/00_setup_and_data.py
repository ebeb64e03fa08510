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
# **Time:** about 1 minute in quick mode, 2 minutes in full mode on a laptop CPU.
#
# **Quick or full?** Every notebook reads one switch, the environment variable
# `UNSUPLAB_QUICK`: `UNSUPLAB_QUICK=1` runs small subsets and few epochs (a first look, CI);
# unset it for the real results. The values for both modes live in `unsuplab.config.SETTINGS`.

# %%
# Colab / a bare kernel: install unsuplab if it is missing (does nothing locally)
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("unsuplab") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "unsuplab[classical] @ git+https://github.com/unsuplab/unsuplab"], check=True)

# %% [markdown]
# ## Setup

# %%
import numpy as np

from unsuplab import config, data, metrics, viz
from unsuplab.models import kmeans_pixels

config.set_seed(0)
viz.set_style()
print(f"mode: {config.mode()}")

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
(x_train, y_train), (x_test, y_test), class_names = data.load_fashion_mnist()
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
viz.image_grid(digits[:20], titles=digit_labels[:20].tolist(), ncols=10, size=0.8,
               vmax=16, title="scikit-learn digits (8×8)")
photos = data.load_photos(["camera", "astronaut", "coffee", "chelsea", "china", "coins"], size=128)
# extra code: centre-crop to 128×128 and show grey photos as RGB, to fit one grid
squares = [p[(p.shape[0] - 128) // 2 :][:128, (p.shape[1] - 128) // 2 :][:, :128]
           for p in photos.values()]
viz.image_grid(np.stack([np.dstack([p] * 3) if p.ndim == 2 else p for p in squares]),
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
# NBVAL_IGNORE_OUTPUT
import time

n_fit = config.setting("kmeans.train_size")
x_fit, y_fit = data.subset(x_train, y_train, n_fit, seed=0)
start = time.perf_counter()
km = kmeans_pixels(x_fit, n_clusters=10, n_init=config.setting("kmeans.n_init"), seed=0)
print(f"k-means on {len(x_fit)} images: {time.perf_counter() - start:.1f} s, "
      f"inertia {km.inertia_:.0f}")

# %% [markdown]
# ### Scoring a clustering
#
# Cluster numbers are arbitrary, so we need scores that do not care about names:
#
# * **ACC**: match clusters to classes one-to-one so as to maximise the matches (the Hungarian
#   algorithm), then the accuracy $\max_m \frac1N \sum_i 1[y_i = m(c_i)]$;
# * **NMI**: $\frac{I(Y;C)}{(H(Y)+H(C))/2}$, the information the clusters carry about the classes;
# * **ARI**: the share of image *pairs* on which clusters and classes agree, corrected so that a
#   random clustering scores 0.
#
# The anchor from the literature and our calibration: on Fashion-MNIST, k-means on raw pixels
# reaches ACC ≈ 0.47–0.51 and NMI ≈ 0.51. Chapter 06 tries to beat it with learned features.

# %%
from unsuplab.models.kmeans import flatten

train_scores = metrics.clustering_scores(y_fit, km.labels_)
test_scores = metrics.clustering_scores(y_test, km.predict(flatten(x_test)))
for name, s in [("fit set", train_scores), ("test set", test_scores)]:
    print(f"{name:>8}: ACC {s['acc']:.3f}  NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}")

# %% [markdown]
# What did k-means find? Each centroid is an "average garment"; the title says which class it
# was matched to and how pure its cluster is.

# %%
mapping = metrics.cluster_mapping(y_fit, km.labels_)
purity = [np.mean(y_fit[km.labels_ == k] == mapping.get(k, -1)) for k in range(10)]
viz.image_grid(km.cluster_centers_.reshape(-1, 28, 28),
               titles=[f"{class_names[mapping[k]][:9]}\n{purity[k]:.0%}" for k in range(10)],
               ncols=10, size=1.1, title="k-means centroids (matched class, purity)")

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
# row of `x` (shape `(N, D)`), the index of the nearest centroid (`centroids` has shape
# `(K, D)`). Try to do it without a Python loop (broadcasting).

# %%
def assign(x, centroids):
    ...  # your code here


check("00.2", assign)

# %% [markdown]
# **00.3 — Clustering accuracy.** Write `accuracy(y_true, y_pred)` that matches clusters to
# classes one-to-one to maximise the number of matches, then returns the accuracy. Hint:
# build the contingency table and use `scipy.optimize.linear_sum_assignment(..., maximize=True)`.

# %%
def accuracy(y_true, y_pred):
    ...  # your code here


check("00.3", accuracy)
