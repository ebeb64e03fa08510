# %% [markdown]
# # 05 — Self-organizing maps: a grid of prototypes that learns the shape of the data
#
# A self-organizing map (SOM, Kohonen 1982) is a grid of units, each holding a *prototype* in
# data space. Training pulls the prototypes towards the data, and pulls neighbours on the grid
# along with each winner, so that nearby units end up with similar prototypes: the grid becomes
# an ordered, 2-D summary of a high-dimensional data set. We write the update rule, look at
# neighbourhood functions and decay schedules, quantize the colours of a photograph, and map
# Fashion-MNIST onto a 20×20 grid that we read with prototype images, the U-matrix and class
# hit maps.
#
# **Objectives.** State and apply the SOM update rule; choose a neighbourhood and a schedule;
# measure a map with the quantization and topographic errors; read a U-matrix and hit maps;
# know what "online" and "batch" training change (and what they don't).
#
# **Time:** under a minute in quick mode and in full mode on a 2-core laptop CPU (13 s<!-- results/notebooks_quick.json:05_self_organizing_maps_quick_s --> and
# 24 s<!-- results/notebooks_full.json:05_self_organizing_maps_full_s --> recorded).
#
# **Quick or full?** `UNSUPLAB_QUICK=1` trains a 12×12 map on 6 000 images; unset it for the
# 20×20 map on all 60 000 (values in `unsuplab.config.SETTINGS`, prefix `som.`). The data and
# the fitted maps come from `unsuplab.chapters.ch05`, which `benchmarks/som.py` uses too.
#
# **Class plan.** Lecture (75 min): the update rule and the grid, with the schematic (15);
# neighbourhood functions and decay schedules (10); a map unfolding on 2-D data, QE and TE
# (15); online against batch training — what "the same number of iterations" means (10);
# colour quantization (5); the Fashion-MNIST map: prototypes, U-matrix, hit and label maps,
# errors over training (15); the live explorer (5). Lab (75 min): run the notebook and play
# with the explorer (15), exercises 05.1–05.4 (30), the open question 05.5 (15), conceptual
# questions 05.C1–05.C3 (15).
#
# **Prerequisites.** k-means and its assignment/update steps (chapter 00); Euclidean distance
# and broadcasting in NumPy (J. VanderPlas, *Python Data Science Handbook*, ch. 2); PCA's first
# two components for the initialisation (chapter 01, or A. Géron, *Hands-On Machine Learning*,
# 3rd ed., ch. 8); the scikit-learn estimator API, `fit`/`predict` (scikit-learn's "Getting
# started" guide).
#
# **Notation.** As in the collection's table (chapter 00, `NOTATION.md`): unit $j$ has the
# prototype $w_j \in \mathbb{R}^D$ and the grid position $r_j$; $c(x)$ is the best-matching
# unit, $\delta_{cj} = \lVert r_c - r_j \rVert$ the grid distance, $h_{cj}$ the neighbourhood
# weight and $\eta$ the learning rate.

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

import matplotlib.pyplot as plt
import numpy as np

from unsuplab import config, viz
from unsuplab.chapters import ch05
from unsuplab.models import SOM
from unsuplab.models import som as som_lib
from unsuplab.widgets.som import som_explorer

config.set_seed(0)
viz.set_style()
print(config.describe())
d = ch05.load_data()  # Fashion-MNIST as pixel vectors in [0, 1], and a photograph's pixels
print(f"training images {d.x_train.shape}, test images {d.x_test.shape}, "
      f"photo pixels {d.pixels.shape}")

# %% [markdown]
# ## The update rule
#
# The map has $K$ units on a grid; unit $j$ sits at grid position $r_j$ (row, column) and holds
# a prototype $w_j \in \mathbb{R}^D$. For a sample $x$:
#
# 1. **Find the best-matching unit** (BMU), the unit whose prototype is nearest:
#    $$c(x) = \arg\min_j \lVert x - w_j \rVert .$$
# 2. **Pull every prototype towards $x$**, weighted by how close its unit is to the winner
#    *on the grid*:
#    $$w_j \leftarrow w_j + \eta(t)\, h_{c j}(t)\, (x - w_j), \qquad
#      h_{cj} = h\big(\lVert r_c - r_j \rVert, \sigma(t)\big).$$
#
# $\eta(t)$ is the learning rate and $\sigma(t)$ the neighbourhood radius, both shrinking as the
# number $t$ of samples seen grows. With a radius of zero only the winner moves, and the rule is
# online k-means; the neighbourhood is what orders the map.

# %%
fig = viz.schematic("som", n_rows=7, n_cols=9, sigma=1.5, winner=(3, 4))

# %% [markdown]
#
# ### Neighbourhood functions
#
# With $\delta = \delta_{cj} = \lVert r_c - r_j \rVert$ the grid distance to the winner:
#
# | name | $h(\delta, \sigma)$ | |
# | --- | --- | --- |
# | Gaussian | $\exp\!\big(-\delta^2 / 2\sigma^2\big)$ | smooth; the usual choice |
# | bubble | $1$ if $\delta < \sigma$, else $0$ | all neighbours move alike |
# | Mexican hat | $\big(1 - \delta^2/\sigma^2\big) \exp\!\big(-\delta^2/2\sigma^2\big)$ | pulls near units, *pushes* a ring beyond $\sigma$ |
#
# `unsuplab.models.som` has each as a function of the *squared* distance $\delta^2$:

# %%
distance = np.linspace(0, 6, 200)  # grid distance to the winner
sigma = 2.0
fig, (ax, *maps) = plt.subplots(1, 4, figsize=(14, 3.2))
for name, h in som_lib.NEIGHBORHOODS.items():
    ax.plot(distance, h(distance**2, sigma), label=name)
ax.axhline(0, color="k", lw=0.5)
ax.axvline(sigma, ls=":", color="k", lw=0.8)
ax.set_xlabel("grid distance to the winner $\\delta$")
ax.set_ylabel("$h(\\delta, \\sigma=2)$")
ax.set_title("Neighbourhood functions")
ax.legend()
# the same functions on a 15x15 grid around a winner at (7, 7)
d2_grid = som_lib.grid_distances_sq(15, 15)[7 * 15 + 7].reshape(15, 15)
for axis, (name, h) in zip(maps, som_lib.NEIGHBORHOODS.items(), strict=True):
    image = axis.imshow(h(d2_grid, sigma), cmap="cividis", vmin=-0.3, vmax=1)
    axis.set_title(f"{name} on the grid")
    axis.grid(False)
fig.colorbar(image, ax=maps, label="$h$")
_ = viz.save_fig(fig, "05_neighborhoods")

# %% [markdown]
# ### Decay schedules
#
# $\sigma$ and $\eta$ start large (the map unfolds as a whole) and end small (each unit fine-tunes
# on its own patch). With $f = t/T$ the fraction of training done, each schedule goes from a
# start $v_0$ to an end $v_1$:
#
# * asymptotic: $v = v_0 / \big(1 + (v_0/v_1 - 1) f\big)$ — MiniSom's default with
#   $v_1 = v_0/3$, i.e. $v_0 / (1 + 2t/T)$; fast at first, slow at the end;
# * linear: $v = v_0 + (v_1 - v_0) f$;
# * exponential: $v = v_0 (v_1/v_0)^f$.

# %%
fraction = np.linspace(0, 1, 100)
curves = {name: som_lib.decay(name, 5.0, 0.5, fraction) for name in som_lib.DECAYS}
fig = viz.plot_curves(fraction, curves, xlabel="fraction of training $t/T$",
                      ylabel="$\\sigma$", title="Decay of $\\sigma$ from 5 to 0.5", marker="")

# %% [markdown]
# ## A map unfolds: 2-D data
#
# Points in the unit square, a 10×10 map. We draw each prototype as a dot and join grid
# neighbours with lines: the map is a net thrown over the data. Each panel is a complete
# training run of $T$ samples with the classic online rule (`algorithm="online"`); the random
# start is a tangle, and the longer the training, the better the net covers the square
# without folds.

# %%
rng = np.random.default_rng(0)
square = rng.random((2000, 2)).astype(np.float32)


def draw_map(som, ax, title):
    w = som.weights_
    ax.scatter(square[:, 0], square[:, 1], s=2, alpha=0.2, color=viz.PALETTE[5])
    ax.plot(w[..., 0], w[..., 1], color=viz.PALETTE[3], lw=0.8)
    ax.plot(w[..., 0].T, w[..., 1].T, color=viz.PALETTE[3], lw=0.8)
    ax.set_title(title, fontsize=9)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
for ax, n_iter in zip(axes, [1, 200, 2000, 20000], strict=True):
    som = SOM(10, 10, sigma=3.0, init="random", algorithm="online", n_iter=n_iter,
              random_state=0).fit(square)
    draw_map(som, ax, f"T = {n_iter} samples\nTE = {som.topographic_error(square):.3f}")
fig.suptitle("Online SOM on the unit square (random init)")
fig.tight_layout()

# %% [markdown]
# ### Measuring a map
#
# Two numbers, both in the `SOM` estimator:
#
# * **quantization error** (QE): mean distance from each sample to its BMU's prototype,
#   $\frac1n \sum_i \lVert x_i - w_{c(x_i)} \rVert$ — how well the prototypes fit the data
#   (k-means, which minimises the mean *squared* distance and ignores order, usually does
#   better here);
# * **topographic error** (TE): share of samples whose best and second-best units are *not*
#   grid neighbours — how well the grid order follows the data (0 for a perfect net).
#
# They pull against each other: a wide neighbourhood keeps the map smooth (low TE) but drags
# every prototype towards its neighbours' mean (higher QE).

# %% [markdown]
# ## Online and batch training: same rule, different bookkeeping
#
# The online rule moves the map after every sample: $T$ samples, $T$ small updates, in a
# Python loop. The `SOM` estimator's default, `algorithm="batch"`, matches a whole batch of $B$
# samples against the same prototypes — one matrix product, on a GPU if there is one — and
# then moves each unit by
#
# $$w_j \leftarrow w_j + \frac{\eta \sum_b h_{c_b j}\,(x_b - w_j)}
#   {\max\!\big(1,\ \eta \sum_b |h_{c_b j}|\big)} .$$
#
# For $B = 1$ this *is* the online rule (with $\eta \le 1$, since $|h| \le 1$). When the
# neighbourhood mass $\eta \sum_b h_{c_b j}$ exceeds 1 the step is capped, and, for a
# non-negative neighbourhood (Gaussian, bubble), the unit lands exactly on the
# neighbourhood-weighted mean of the batch, $\sum_b h_{c_b j} x_b / \sum_b h_{c_b j}$: with the whole data set as one batch (`batch_size=None`) this is Kohonen's
# classic *batch SOM*. "The same number of iterations" therefore means the same number of
# samples presented, $T$, and the same schedule read at the same sample count; batch training
# makes $T/B$ updates instead of $T$. The test suite checks both rules against updates computed
# by hand on a 2×2 map, and that a batch of one reproduces the online rule.

# %%
# NBVAL_IGNORE_OUTPUT
for algorithm, kwargs in [("online", {}), ("batch", {"batch_size": 64})]:
    start = time.perf_counter()
    som = SOM(10, 10, sigma=3.0, algorithm=algorithm, n_iter=20000, random_state=0,
              **kwargs).fit(square)
    print(f"{algorithm:>6}: {time.perf_counter() - start:5.2f} s, {som.n_updates_:5d} updates, "
          f"QE {som.quantization_error(square):.4f}, TE {som.topographic_error(square):.3f}")

# %% [markdown]
# ## Colour quantization of a photograph
#
# Each pixel of a colour photograph is a point in RGB space. A SOM with $K$ units trained on
# the pixels gives a palette of $K$ colours; replacing each pixel by its BMU's prototype
# quantizes the image. Unlike k-means, the SOM's palette comes *ordered*: neighbouring units
# hold similar colours.

# %%
# a 4x4 map, sigma 1.5, 5 epochs on a sample of the pixels: SOM(4, 4, sigma=1.5, n_epochs=5)
palette_som = ch05.train_palette_som(d.pixels)
photo = d.photo
pixels = photo.reshape(-1, 3)
quantized = palette_som.weights_.reshape(-1, 3)[palette_som.predict(pixels)].reshape(photo.shape)

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), gridspec_kw={"width_ratios": [4, 4, 1.6]})
axes[0].imshow(photo)
axes[0].set_title(f"original ({photo.shape[1]}×{photo.shape[0]})")
axes[1].imshow(np.clip(quantized, 0, 1))
axes[1].set_title("16 colours from a 4×4 SOM")
axes[2].imshow(np.clip(palette_som.weights_, 0, 1))
axes[2].set_title("the palette (map)")
for ax in axes:
    ax.axis("off")
fig.tight_layout()
_ = viz.save_fig(fig, "05_colour_quantization")
print(f"mean colour error per pixel: {palette_som.quantization_error(pixels):.4f} (RGB in [0, 1])")

# %% [markdown]
# ## A map of Fashion-MNIST
#
# Now 784-dimensional data: each image is a vector of pixels in $[0, 1]$. The map is
# initialised on the plane of the first two principal components (`init="pca"`), so it starts
# ordered and needs fewer epochs. `ch05.train_fashion_som` fits
#
# ```python
# SOM(side, side, sigma=side / 4, sigma_final=0.7, decay="exponential", n_epochs=epochs,
#     batch_size=128, track_errors=True, random_state=0)
# ```
#
# with `side` and `epochs` from the settings; `track_errors=True` records QE and TE after every
# epoch.

# %%
X, y_fit, class_names = d.x_train, d.y_train, d.class_names

# %%
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
fashion_som = ch05.train_fashion_som(X)
side = fashion_som.n_rows
print(f"{side}x{side} map on {len(X)} images, {fashion_som.n_epochs} epochs: "
      f"{time.perf_counter() - start:.1f} s")
qe, te = fashion_som.quantization_error(X), fashion_som.topographic_error(X)
print(f"quantization error {qe:.3f}, topographic error {te:.3f}")

# %% [markdown]
# ### The prototypes
#
# Every unit's prototype, drawn as an image at its place on the grid. Neighbouring prototypes
# look alike, and the classes occupy regions: trousers in one place, footwear in another, tops,
# shirts and coats blending into each other.

# %%
fig = viz.plot_prototypes(fashion_som, d.image_shape, title=f"{side}×{side} SOM of Fashion-MNIST",
                          size=7)
_ = viz.save_fig(fig, "05_fashion_prototypes")

# %% [markdown]
# ### The U-matrix and the hit maps
#
# The U-matrix shows, for every unit, the mean distance between its prototype and those of its
# grid neighbours: dark valleys are groups of similar prototypes (clusters), bright ridges the
# borders between them. The class hit maps count, for each class, how many of its images each
# unit wins: compact blobs mean the map has put that class in one region.

# %%
hits = fashion_som.hit_map(X)
fig = viz.plot_umatrix(fashion_som, hits=hits, title="U-matrix (x: units that win no image)")
fig = viz.plot_class_hits(fashion_som, X, y_fit, class_names)
_ = viz.save_fig(fig, "05_class_hits")

# %% [markdown]
# The majority class of each unit gives a *label map*: a simple classifier (label a new image
# by its BMU's class) that learned the layout without labels and used them only afterwards.

# %%
labels = fashion_som.label_map(X, y_fit)
fig, ax = plt.subplots(figsize=(7, 6))
image = ax.imshow(np.where(labels < 0, np.nan, labels), cmap="viridis", vmin=0, vmax=9)
cbar = fig.colorbar(image, ax=ax, ticks=range(10))
cbar.ax.set_yticklabels(class_names)
ax.set_title("Majority class of each unit")
ax.grid(False)
predicted = labels.reshape(-1)[fashion_som.predict(d.x_test)]
print(f"test accuracy of 'the class of your BMU': {np.mean(predicted == d.y_test):.3f}")

# %% [markdown]
# ### Quantization and topographic error over training
#
# Early on, the radius is large: the map is smooth (low TE) but its prototypes are blurred
# averages (high QE). As $\sigma$ shrinks, QE falls; TE can rise a little as units specialise.

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.3))
epochs = np.arange(1, len(fashion_som.history_["sigma"]) + 1)
for ax, (key, label) in zip(axes, [("quantization_error", "QE"), ("topographic_error", "TE"),
                                    ("sigma", "$\\sigma$ at the epoch's start")], strict=True):
    ax.plot(epochs, fashion_som.history_[key], marker="o")
    ax.set_xlabel("epoch")
    ax.set_ylabel(label)
    ax.set_title(label)
fig.tight_layout()

# %% [markdown]
# ## Explore: retrain a map live
#
# Move sigma, the learning rate or the map size: a small SOM is retrained on a subset of
# Fashion-MNIST (about a second) and redrawn with its U-matrix. Try a very small sigma (the map
# loses its order: TE rises), a large one (blurred prototypes: QE rises), and a map with more
# units than needed. (In a static view only the first picture is shown.)

# %%
explorer = som_explorer(d.x_widget, image_shape=d.image_shape, n_epochs=5, max_size=16)
explorer

# %% [markdown]
# ## Summary
#
# * A SOM is a grid of prototypes trained by one rule: find the best-matching unit, pull it and
#   its grid neighbours towards the sample, $w_j \leftarrow w_j + \eta h_{cj} (x - w_j)$.
# * The neighbourhood (Gaussian, bubble, Mexican hat) and its radius order the map; the decay
#   schedule takes it from a global unfolding to local fine-tuning.
# * QE measures fit, TE measures order; they trade off through $\sigma$.
# * The U-matrix shows cluster borders, hit maps show where classes land; a colour SOM is an
#   ordered palette.
# * Batch training matches many samples at once as a matrix product: the same samples, the
#   same schedule, far fewer and larger updates. `benchmarks/som.py` compares it with MiniSom
#   on the same data, grid, samples and initial weights: for one pass of 60 000 images on a
#   20×20 map, our 235 batch updates (of 256 samples) took 0.88 s<!-- results/som.json:ours_fit_s --> (NumPy's matrix products, the
#   default on a CPU) against 49.3 s<!-- results/som.json:minisom_fit_s --> for MiniSom's 60 000 one-sample updates, with QE/TE 4.376<!-- results/som.json:ours_qe -->/0.032<!-- results/som.json:ours_te --> against 4.416<!-- results/som.json:minisom_qe -->/0.043<!-- results/som.json:minisom_te -->
#   (`benchmarks/results/som.json`). The speed-up compares batch with online updates at equal
#   presentations, not two implementations of the same update.
#
# ## References
#
# * T. Kohonen. *Self-organized formation of topologically correct feature maps.* Biological
#   Cybernetics 43, 1982.
# * T. Kohonen. *Self-Organizing Maps*, 3rd ed., Springer, 2001 (the batch SOM, ch. 3), and
#   *Essentials of the self-organizing map.* Neural Networks 37, 2013.
# * J. MacQueen. *Some methods for classification and analysis of multivariate observations.*
#   Berkeley Symposium, 1967 (online k-means, the SOM without a neighbourhood).
# * E. Erwin, K. Obermayer, K. Schulten. *Self-organizing maps: ordering, convergence
#   properties and energy functions.* Biological Cybernetics 67, 1992; T. Heskes. *Energy
#   functions for self-organizing maps.* In *Kohonen Maps*, Elsevier, 1999.
# * A. Ultsch, H. P. Siemon. *Kohonen's self organizing feature maps for exploratory data
#   analysis.* INNC 1990 (the U-matrix).
# * K. Kiviluoto. *Topology preservation in self-organizing maps.* ICNN 1996 (the topographic
#   error).
# * G. Vettigli. *MiniSom: minimalistic and NumPy-based implementation of the Self Organizing
#   Map* (software, github.com/JustGlowing/minisom), the benchmark's reference.
#
# ## Exercises
#
# Write your answer in the cell, then run it: `check(...)` tells you whether it is right, and if
# not, what is off — never the answer itself.
#
# **05.1 — Find the best-matching unit.** Write `bmu(x, weights)` that returns the grid
# position `(row, col)` of the unit whose prototype is nearest to `x` in Euclidean distance;
# `weights` has shape `(n_rows, n_cols, n_features)`.

# %%
from unsuplab.exercises import check


def bmu(x, weights):
    ...  # your code here


check("05.1", bmu)

# %% [markdown]
# **05.2 — The Gaussian neighbourhood.** Write `gaussian_neighborhood(d, sigma)` that returns
# $h = \exp(-\delta^2 / 2\sigma^2)$ for grid distances $\delta$, passed as `d` (a number or an
# array).

# %%
def gaussian_neighborhood(d, sigma):
    ...  # your code here


check("05.2", gaussian_neighborhood)

# %% [markdown]
# **05.3 — One online update.** Write `update(weights, x, sigma, learning_rate)` that returns
# the weights after one sample: find the winner $c$, then
# $w_j + \eta\, h(\lVert r_c - r_j \rVert, \sigma)\,(x - w_j)$ for every unit, with the
# Gaussian $h$, as a new array (leave `weights` unchanged). Hint:
# `np.indices(weights.shape[:2])` gives every unit's row and column.

# %%
def update(weights, x, sigma, learning_rate):
    ...  # your code here


check("05.3", update)

# %% [markdown]
# **05.4 — The quantization error.** Write `quantization_error(X, weights)`: the mean over the
# samples of the distance to the nearest prototype. Compare your value with
# `SOM.quantization_error` on a small map.

# %%
def quantization_error(X, weights):
    ...  # your code here


check("05.4", quantization_error)

# %% [markdown]
# **05.5 — (open, discussion: no check) Think.** Train the 2-D map above with `neighborhood="mexican_hat"`, once
# online and once in batches (`batch_size=64`), and look at `som.weights_`: what happens? Write
# the capped batch rule as $w_j \leftarrow (1 - s\,m_j)\,w_j + s \sum_b h_{c_b j} x_b$ with
# $m_j = \sum_b h_{c_b j}$ and $s = \eta / \max(1, \eta \sum_b |h_{c_b j}|)$: why does the
# cap keep a Gaussian map bounded (what range is $1 - s\,m_j$ in when every $h \ge 0$?), and
# how large can $1 - s\,m_j$ get when some $h$ are negative? Then train the Fashion-MNIST map
# with `SOM(side, side, sigma=side / 4, sigma_final=0.3, decay="exponential",
# n_epochs=fashion_som.n_epochs, batch_size=128, random_state=0).fit(X)` and again with
# `sigma_final=3`: which error improves, which gets worse, and why?
#
# **05.6 — The batch update, inside a map's training.** Write `batch_update(weights, x, h,
# learning_rate)` with `keras.ops` only (it must compile with `tf.function` or `jax.jit`):
# `weights` (K, D), a batch `x` (B, D), the neighbourhood matrix `h` (K, K) with `h[k, j]`
# the neighbourhood between units $k$ and $j$, and the rate; return the new (K, D) weights of
# the capped batch rule of "Online and batch training" above,
# $w_j + \eta \sum_b h_{c_b j} (x_b - w_j) / \max(1, \eta \sum_b |h_{c_b j}|)$. The check
# compiles your function, trains a 3×4 map with it for a few updates and compares the map
# with `SOM(algorithm="batch")`'s. Hint: `ops.argmin` of the distances gives each $c_b$,
# `ops.take(h, c, axis=0)` the rows $h_{c_b \cdot}$ (B, K), and one `ops.matmul` the sums
# $\sum_b h_{c_b j} x_b$.

# %%
from keras import ops  # noqa: F401 (your code uses ops.*)


def batch_update(weights, x, h, learning_rate):
    ...  # your code here


check("05.6", batch_update)

# %% [markdown]
# ### Conceptual and derivation questions
#
# Pen and paper, no check: reference answers for teachers are in `solutions/answers.md`.
#
# **05.C1 — Online k-means and the running mean.** Take the neighbourhood $h_{cj} = 1$ if
# $j = c$, else 0, and give unit $j$ the learning rate $\eta = 1/n_j$, where $n_j$ counts the
# samples it has won so far (this one included). Show that $w_j$ is then exactly the mean of
# the samples it has won. What does a constant $\eta$ compute instead?
#
# **05.C2 — What the batch SOM minimises.** With the whole data set as one batch and a
# non-negative neighbourhood, show that the capped update sets
# $w_j = \sum_i h_{c_i j}\, x_i / \sum_i h_{c_i j}$, and that this minimises
# $E_j(w) = \sum_i h_{c_i j} \lVert x_i - w \rVert^2$ for fixed winners $c_i$. Is the batch SOM
# then a descent method on $E = \sum_i \sum_j h_{c_i j} \lVert x_i - w_j \rVert^2$? Look at the
# winner step.
#
# **05.C3 — Why the radius must start large.** From the update rule, explain why a map trained
# from a random start with a small, fixed $\sigma$ keeps folds (twists), while a large initial
# $\sigma$ unfolds it. What happens to QE and TE if $\sigma \to 0$ from the start?
