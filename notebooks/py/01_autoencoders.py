# %% [markdown]
# # 01 — Autoencoders: dense, deep and convolutional
#
# An autoencoder learns to copy its input through a narrow *code*: an encoder squeezes each
# image into a few numbers, a decoder rebuilds the image from them. No labels are involved —
# the image is its own target — yet the code ends up holding what matters about the image.
# This chapter derives why a *linear* autoencoder is exactly PCA, then goes beyond it with
# dense, deep and convolutional networks, measures how quality grows with the code size, uses
# the codes to search for similar images, and lets you walk through the latent space.
#
# **Objectives.** Write the reconstruction objective; prove (and see) that a linear
# autoencoder spans the PCA subspace; train and compare shallow, deep and convolutional
# autoencoders over latent sizes 2–64 with PSNR and SSIM against PCA; read a 2-D latent space;
# measure retrieval with precision@10 in latent space against pixel space.
#
# **Time:** under a minute in quick mode (25 s<!-- results/notebooks_quick.json:01_autoencoders_quick_s --> recorded). Full mode trains 12 models on 60 000
# images: about 12 minutes<!-- results/notebooks_full.json:01_autoencoders_full_s --> on a 2-core CPU from an empty model cache (730 s<!-- results/notebooks_full.json:01_autoencoders_full_s --> and a peak of
# 1783 MiB<!-- results/notebooks_full.json:01_autoencoders_full_peak_rss_mb --> recorded; mostly the convolutional ones, 16 s<!-- results/autoencoders_conv32.json:conv_32_s_per_epoch --> per epoch), much less once the
# trained models are cached (see *Setup*).
#
# **Quick or full?** `UNSUPLAB_QUICK=1` trains on 3 000 images
# (`config.setting("ae.train_size")` in quick mode) for a few epochs with two latent sizes (the
# figures are rough); unset it for the real results on 60 000 images.
#
# **Full-quality models without the wait** (a class on Binder): `config.use_pretrained()` in
# the set-up cell (or `make lab PRETRAINED=1`; Binder does it by default) loads the shipped
# full-mode models (the dense, deep and convolutional autoencoders with 2- and 32-d codes) instead of training them, in quick mode too;
# their provenance is in `benchmarks/RESULTS.md` (record `pretrained`).
#
# **Class plan.** Lecture (90 min): the idea and the reconstruction loss, with the schematic
# (10); the linear autoencoder is PCA — Eckart–Young, the minimum loss, what is and is not
# unique (25); dense, deep and convolutional architectures, batch normalization (15); the
# latent-size sweep against PCA and the learning curves (15); the 2-D latent space (10);
# retrieval with precision@10 (10); the live explorer (5). Lab (90 min): run the notebook (15),
# exercises 01.1–01.4 and the model exercise (45), conceptual questions 01.C1–01.C3 (30).
#
# **Prerequisites.** Linear algebra: the SVD, eigenvalues of a covariance matrix, orthogonal
# projections (G. Strang, *Introduction to Linear Algebra*, ch. 7; or *Mathematics for Machine
# Learning*, Deisenroth, Faisal & Ong, ch. 4 and 10); PCA (A. Géron, *Hands-On Machine
# Learning*, 3rd ed., ch. 8); Keras models, `fit` and convolutional layers (F. Chollet, *Deep
# Learning with Python*, 2nd ed., ch. 7–8; Hands-On ML ch. 14 and 17).
#
# **Notation.** As in the collection's table (chapter 00, `NOTATION.md`): $N$ images of $D$
# pixels, code size $d$, encoder $f_\phi$ and decoder $g_\theta$ (parameters $\phi$ and
# $\theta$, as in chapter 03), the mean image $\bar x$, the covariance's eigenvalues
# $\lambda_1 \ge \lambda_2 \ge \dots$

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
#
# The chapter's data and training recipes live in `unsuplab.chapters.ch01`: `ch01.load_data()`
# gives the images (subsets set by the quick/full settings), `ch01.cached_autoencoder(...)`
# builds, trains and caches a model. Trained models are cached (`~/.cache/unsuplab/models`, or
# `UNSUPLAB_CACHE`): the first full run trains them, later runs load them in seconds.
# `benchmarks/autoencoders.py` calls the very same recipes, so after `make bench` this notebook
# starts from its models.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from unsuplab import config, metrics, viz
from unsuplab.chapters import ch01
from unsuplab.models import PCAAutoencoder
from unsuplab.models.autoencoder import build_autoencoder

config.set_seed(0)
viz.set_style()
print(config.describe())

data01 = ch01.load_data()  # Fashion-MNIST subsets, float32 (N, 28, 28, 1) in [0, 1]
x_train, y_train, x_test, y_test = data01.x_train, data01.y_train, data01.x_test, data01.y_test
class_names = data01.class_names
latent_sizes = config.setting("ae.latent_sizes")
print(f"train {x_train.shape}, test {x_test.shape}, latent sizes {latent_sizes}")

# %% [markdown]
# ## The idea: squeeze, then rebuild
#
# An **encoder** $f_\phi: \mathbb{R}^{D} \to \mathbb{R}^{d}$ maps an image $x$ (here
# $D = 28 \times 28 = 784$ pixels) to a code $z = f_\phi(x)$ with $d \ll D$; a **decoder**
# $g_\theta: \mathbb{R}^{d} \to \mathbb{R}^{D}$ maps it back, $\hat x = g_\theta(z)$. Both are
# trained together to minimise the **reconstruction loss**, here the mean squared error
#
# $$J(\phi, \theta) = \frac{1}{N}\sum_{i=1}^{N} \frac{1}{D}
#   \bigl\lVert x_i - g_\theta\bigl(f_\phi(x_i)\bigr)\bigr\rVert^2 .$$
#
# The bottleneck $d$ is what makes this useful: with $d \ge D$ the network could learn the
# identity; with $d \ll D$ it must keep what lets it rebuild *most* images well — the shared
# structure of the data — and drop the rest. In Keras the input is its own target: our models
# are trained with `fit(x)`; `compute_loss` compares the output with the input when no target
# is given.
#
# We measure reconstructions with the **PSNR** (peak signal-to-noise ratio, higher is better):
# for one image, $\mathrm{PSNR} = 10 \log_{10}\frac{1}{\mathrm{MSE}}$ dB with pixels in
# $[0, 1]$; we report the **mean over images of the per-image PSNR** (exercise 01.3 makes you
# compute it). **SSIM** (structural similarity, 1 = identical) compares local means, contrasts
# and correlations, closer to what the eye notices.
#
# ## The linear autoencoder is PCA
#
# Take the simplest autoencoder: no activations, $z = W_e (x - \bar x)$ and
# $\hat x = W_d z + \bar x$ with $W_e \in \mathbb{R}^{d\times D}$, $W_d \in \mathbb{R}^{D\times d}$.
# Stack the centred images $x_i - \bar x$ as the rows of $X \in \mathbb{R}^{N\times D}$; the
# loss is
#
# $$J = \tfrac{1}{ND}\,\lVert X - X W_e^\top W_d^\top \rVert_F^2 ,$$
#
# and $X W_e^\top W_d^\top$ is a matrix of rank at most $d$. The **Eckart–Young theorem** says
# the best rank-$d$ approximation of $X$ in Frobenius norm is its truncated SVD: with
# $X = U S V^\top$ (singular values $s_1 \ge s_2 \ge \dots$), it is $X V_d V_d^\top$, where
# $V_d \in \mathbb{R}^{D\times d}$ holds the top $d$ right singular vectors — the first $d$
# **principal directions**, eigenvectors of the covariance $C = \frac1N X^\top X$, whose
# eigenvalues are $\lambda_j = s_j^2 / N$. $W_e = V_d^\top$, $W_d = V_d$ reaches it, so the
# minimum loss is PCA's reconstruction error,
#
# $$J_{\min} = \frac{1}{ND} \sum_{j > d} s_j^2 = \frac{1}{D} \sum_{j > d} \lambda_j ,$$
#
# the variance left in the discarded directions, *averaged* over the $D$ pixels (question
# 01.C1). Which weights reach it? The loss sees the product $W_d W_e$ only through what it
# does to the images. If there is a gap $\lambda_d > \lambda_{d+1}$ (so that the best rank-$d$
# approximation is unique), every minimum satisfies
#
# $$W_d W_e\, x = V_d V_d^\top x \quad \text{for every } x \text{ in the row space of } X ,$$
#
# and, since then $\lambda_d > 0$, $W_d$ has full column rank $d$ and
# $\operatorname{span}(W_d) = \operatorname{span}(V_d)$: the decoder spans the PCA subspace
# (with a tie, any $d$-dimensional subspace mixing the tied directions does as well).
# Off the row space the product is free, and where the data barely vary it is barely
# constrained: Fashion-MNIST's border pixels are black in almost every image, so nothing in the
# loss fixes what $W_d W_e$ does along them. Two remarks:
#
# * The solution is **not unique**: for any invertible $A$, $W_d A^{-1}$ and $A W_e$ give the
#   same product. The autoencoder finds the *subspace*, not the principal *axes*.
# * PCA has a **probabilistic twin** (Tipping & Bishop 1999): $z \sim \mathcal{N}(0, I)$,
#   $x \mid z \sim \mathcal{N}(W z + \bar x, s^2 I)$. Its maximum-likelihood solution is
#   $W = V_d (\Lambda_d - s^2 I)^{1/2} R$ for any rotation $R$, with $\Lambda_d$ the top $d$
#   eigenvalues and $s^2 = \frac{1}{D - d}\sum_{j > d} \lambda_j$: the same subspace again.
#   Make the decoder non-linear and learn an encoder for the intractable posterior, and you
#   have the variational autoencoder of chapter 03.
# * Baldi & Hornik (1989) showed that, for a covariance with distinct eigenvalues, this loss
#   has no bad local minima (all other critical points are saddles), so gradient descent gets
#   there. Bourlard & Kamp (1988) had shown that the optimum of an auto-associative network
#   with one hidden layer is given by the SVD, and that non-linear hidden units do not improve
#   on it.
#
# With biases, the network learns the centring $\bar x$ itself. Let us check it on
# Fashion-MNIST: fit PCA, train a linear autoencoder with the same $d$, and compare errors and
# subspaces.

# %%
# NBVAL_IGNORE_OUTPUT
d_link = 16
pca_link = PCAAutoencoder(latent_dim=d_link).fit(x_train)
start = time.perf_counter()
linear_ae = ch01.train_autoencoder("linear", d_link, x_train, learning_rate=5e-3,
                                   validation_data=x_test)  # epochs: ae.linear_epochs
print(f"linear autoencoder trained in {time.perf_counter() - start:.1f} s")
fig = viz.plot_history(linear_ae.training_history, title="Linear autoencoder: MSE per epoch")

# %%
mse_pca = np.mean((pca_link.reconstruct(x_test) - x_test) ** 2)
mse_linear = np.mean((linear_ae.reconstruct(x_test) - x_test) ** 2)
# Subspace overlap: ||V_d^T Q||_F^2 / d, with Q an orthonormal basis of the decoder's columns
w_dec = np.asarray(linear_ae.decoder.get_layer("pixels").kernel).T  # (784, d)
q, _ = np.linalg.qr(w_dec)
overlap = np.linalg.norm(pca_link.components_ @ q) ** 2 / d_link
print(f"test MSE: PCA-{d_link} {mse_pca:.5f}, linear autoencoder {mse_linear:.5f} "
      f"({mse_linear / mse_pca:.3f}× PCA)")
print(f"overlap of the decoder's subspace with the PCA subspace: {overlap:.3f} (1 = identical)")

# %% [markdown]
# The errors almost match and the subspaces almost coincide (training longer closes the gap).
# The *basis vectors* differ, as the derivation predicts: below, the first principal
# directions (orthogonal, ordered by variance) next to the linear decoder's columns (a mixed
# basis of the same space).

# %%
fig, axes = plt.subplots(2, 8, figsize=(9, 2.6))
for j in range(8):
    for ax, vec in ((axes[0, j], pca_link.components_[j]), (axes[1, j], w_dec[:, j])):
        ax.imshow(vec.reshape(28, 28), cmap="PuOr", vmin=-np.abs(vec).max(), vmax=np.abs(vec).max())
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
axes[0, 0].set_ylabel("PCA", rotation=0, ha="right")
axes[1, 0].set_ylabel("linear AE", rotation=0, ha="right")
fig.suptitle("Principal directions vs a linear decoder's columns: same span, different basis")
fig.tight_layout()

# %% [markdown]
# ## Build dense, deep and convolutional autoencoders
#
# Going beyond PCA means *non-linear* encoders and decoders. Three families, all in
# `unsuplab.models` (`build_autoencoder(architecture, latent_dim)` builds them by name), each
# an encoder and a decoder from `unsuplab.networks` (`mlp_encoder`, `conv_encoder` and their
# mirrors, the builders later chapters reuse):
#
# * **dense** (shallow): one layer each way, $784 \to d \to 784$, a sigmoid output. Only the
#   output non-linearity separates it from PCA.
# * **deep**: $784 \to 256 \to 128 \to d \to 128 \to 256 \to 784$ with ReLU and batch
#   normalization: a stack of non-linear layers can bend the code space around the data.
# * **convolutional**: two strided 3×3 convolutions ($28 \to 14 \to 7$, 32 then 64 feature
#   maps), a dense bottleneck to $d$, and transposed convolutions back up. Convolutions share
#   weights across positions and see local neighbourhoods: the right prior for images.
#
# **Batch normalization mixes the images of a batch.** In training, a `BatchNormalization`
# layer normalises each feature with the mean and variance of the *current batch*: the code of
# one image then depends on the other images of its batch, and its gradient flows through them.
# At inference it uses running averages instead, so `encode` and `reconstruct` give each image
# its own code. For the deep and convolutional autoencoders, trained on the MSE with large
# shuffled batches, this steadies training and does no harm. A VAE's loss is a sum of
# per-image bounds, which batch statistics would entangle (each image's "bound" would depend on
# its batch-mates), so the VAE of chapter 03 is built without it (question 01.C3).

# %%
fig = viz.schematic("autoencoder", layers=((28, 28, 1), (14, 14, 32), (7, 7, 64)),
                    latent_dim=32, title="The convolutional autoencoder (d = 32)")

# %%
for architecture in ("dense", "deep", "conv"):
    model = build_autoencoder(architecture, 32)
    enc, dec = model.encoder.count_params(), model.decoder.count_params()
    print(f"{architecture:>6}: {model.count_params():>9,} weights (encoder {enc:,}, decoder {dec:,})")
build_autoencoder("conv", 32).encoder.summary()

# %% [markdown]
# ## Train them over latent sizes
#
# One recipe for all (`ch01.train_autoencoder`, cached by `ch01.cached_autoencoder`): Adam
# with a learning rate that decays along a cosine over the run, MSE loss, batches through
# `unsuplab.training.fit` (one data iterator for the whole run: no stalls at epoch
# boundaries). The test images are scored after every epoch, so each model has its learning
# curves (`model.training_history`: `loss` on the training images, `val_loss` on the test
# images). Convolutional epochs cost about ten times more than dense ones on a CPU, so they
# get fewer epochs (`ae.dense_epochs`, `ae.conv_epochs` in `unsuplab.config`).

# %%
# NBVAL_IGNORE_OUTPUT
architectures = ("dense", "deep", "conv")
models = {}
for architecture in architectures:
    for d in latent_sizes:
        start = time.perf_counter()
        models[architecture, d], trained = ch01.cached_autoencoder(
            architecture, d, x_train, validation_data=x_test)
        epochs = len(models[architecture, d].training_history["loss"])
        how = (f"trained, {epochs} epochs" if trained else "the shipped full-mode model"
               if hasattr(models[architecture, d], "pretrained") else "loaded from the cache")
        print(f"{architecture:>6} d={d:<3} {how} in {time.perf_counter() - start:.1f} s")

# %% [markdown]
# The learning curves: the test error per epoch of every model, then, for the largest
# convolutional one, training against test error. The two stay close: with a few
# thousand weights per image and no labels to memorise, these autoencoders do not overfit in
# so few epochs; the error is still falling when training stops.

# %%
fig = viz.plot_history({f"{architecture} {d}": model.training_history["val_loss"]
                        for (architecture, d), model in models.items()},
                       title="Test MSE per epoch (val_loss)", logy=True)
fig = viz.plot_history(models["conv", latent_sizes[-1]].training_history,
                       title=f"Convolutional autoencoder, d = {latent_sizes[-1]}: MSE per epoch")

# %% [markdown]
# ## Compare: quality against latent size, with PCA as the baseline
#
# For every model and PCA at the same sizes: the mean per-image PSNR of the test
# reconstructions, and the mean SSIM of the first `ae.ssim_images` of them (SSIM costs
# much more than PSNR; the benchmark scores all 10 000).

# %%
# NBVAL_IGNORE_OUTPUT
pca_full = PCAAutoencoder(latent_dim=max(latent_sizes)).fit(x_train)
n_ssim = config.setting("ae.ssim_images")
scores = {}
examples = {}
names = ("PCA", *architectures)
for d in latent_sizes:
    for name in names:  # one reconstruction of the test set in memory at a time
        x_hat = (pca_full.reconstruct(x_test, latent_dim=d) if name == "PCA"
                 else models[name, d].reconstruct(x_test))
        scores[name, d] = (metrics.psnr(x_test, x_hat),
                           metrics.ssim(x_test[:n_ssim], x_hat[:n_ssim]))
        examples[name, d] = x_hat[:8].copy()  # a copy: a view would keep all 10k alive
print(f"PSNR (dB, {len(x_test)} test images) / SSIM ({n_ssim} test images)")
print("     d " + "".join(f"{n:>16}" for n in names))
for d in latent_sizes:
    print(f"{d:>6} " + "".join(f"{scores[n, d][0]:>9.2f} / {scores[n, d][1]:.3f}" for n in names))

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for name, marker in zip(names, "osD^", strict=True):
    axes[0].plot(latent_sizes, [scores[name, d][0] for d in latent_sizes], marker=marker, label=name)
    axes[1].plot(latent_sizes, [scores[name, d][1] for d in latent_sizes], marker=marker, label=name)
for ax, what in zip(axes, ("mean per-image PSNR (dB)", "mean SSIM"), strict=True):
    ax.set_xscale("log", base=2)
    ax.set_xticks(latent_sizes, [str(d) for d in latent_sizes])
    ax.set_xlabel("latent size d")
    ax.set_ylabel(what)
    ax.legend()
axes[0].set_title("Reconstruction quality vs code size")
axes[1].set_title("Structural similarity vs code size")
fig.tight_layout()

# %% [markdown]
# What to read in these curves (the figures quoted are those of the full run, recorded by
# `benchmarks/autoencoders.py` in `benchmarks/RESULTS.md`; quick mode gives rougher ones):
#
# * every method improves with $d$, with diminishing returns: the first dimensions capture the
#   coarse shape (silhouette, brightness), later ones finer texture;
# * the **shallow dense** autoencoder tracks PCA (19.4<!-- results/autoencoders.json:dense_32_psnr_db --> vs 19.0 dB<!-- results/autoencoders.json:pca_32_psnr_db --> at $d = 32$): it is a
#   linear code with a sigmoid on top;
# * the **deep** and **convolutional** autoencoders beat PCA most at small $d$, where a curved
#   code space helps most: 16.4<!-- results/autoencoders.json:deep_2_psnr_db --> and 15.6 dB<!-- results/autoencoders.json:conv_2_psnr_db --> against PCA's 13.8 dB<!-- results/autoencoders.json:pca_2_psnr_db --> at $d = 2$;
# * at $d = 2$ and $8$ the deep dense network is slightly ahead (it also had 10 epochs to the
#   convolutional one's 6, each several times cheaper); from $d = 32$ the **convolutional**
#   autoencoder is clearly the best (21.9 dB<!-- results/autoencoders_conv32.json:conv_32_psnr_db --> at $d = 32$ and 23.3 dB<!-- results/autoencoders.json:conv_64_psnr_db --> at $d = 64$, against 20.9<!-- results/autoencoders.json:deep_32_psnr_db -->
#   and 21.2<!-- results/autoencoders.json:deep_64_psnr_db --> for the deep one and 19.0<!-- results/autoencoders.json:pca_32_psnr_db --> and 20.8<!-- results/autoencoders.json:pca_64_psnr_db --> for PCA) with about half the weights of the
#   deep one: local, shared filters are the right prior once the code can carry detail;
# * SSIM tells the same story and separates the methods more than PSNR: PCA's blurry
#   reconstructions lose structure that the non-linear decoders keep.
#
# The reconstructions at the largest and smallest sizes (first row: the test images):

# %%
d_show = latent_sizes[-1] if 32 not in latent_sizes else 32
for d in (d_show, latent_sizes[0]):
    fig = viz.image_rows({"input": x_test[:8], **{f"{n} {d}": examples[n, d] for n in names}},
                         title=f"Reconstructions with a {d}-d code")

# %% [markdown]
# ## A 2-D latent space
#
# With $d = 2$ we can *see* the code space. Each test image becomes a point, coloured by its
# class — labels the autoencoder never saw. Classes that look alike (shirt, T-shirt, pullover,
# coat) overlap; trousers, bags and footwear form their own regions. On the right, the decoder
# applied to a regular grid of codes: the latent space is a continuous map of garments.

# %%
ae2 = models["conv", latent_sizes[0]]
z2 = ae2.encode(x_test)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
viz.scatter_2d(z2, y_test, class_names=class_names, ax=axes[0], s=3,
               title=f"Convolutional autoencoder, d = 2 ({len(z2)} test images)")
# the grid spans the 2nd-98th percentiles of the codes on each axis
viz.latent_grid(ae2.decode, n=12, codes=z2, ax=axes[1],
                title="Decoded grid of the same latent plane")
fig.tight_layout()

# %% [markdown]
# ## Image retrieval: nearest neighbours in latent space vs pixel space
#
# A code is also a *descriptor*: to find images similar to a query, compare codes instead of
# pixels. We score a search space with **precision@10**: for each test image (query), the share
# of its 10 nearest training images (database) that belong to the query's class,
#
# $$P@10 = \frac{1}{Q}\sum_{q=1}^{Q}\frac{1}{10}\,\bigl|\{j \in \mathrm{10NN}(q) : y_j = y_q\}\bigr| .$$
#
# Labels are used only to *score* the search. Pixel space has 784 dimensions; the 32-d code
# of the convolutional autoencoder is 24 times smaller.

# %%
# NBVAL_IGNORE_OUTPUT
d_ret = 32 if 32 in latent_sizes else latent_sizes[-1]
ae_ret = models["conv", d_ret]
start = time.perf_counter()
z_train, z_test = ae_ret.encode(x_train), ae_ret.encode(x_test)
p10_latent = metrics.precision_at_k(z_test, y_test, z_train, y_train, k=10)
p10_pixel = metrics.precision_at_k(x_test.reshape(len(x_test), -1), y_test,
                                   x_train.reshape(len(x_train), -1), y_train, k=10)
print(f"precision@10: latent space ({d_ret}-d) {p10_latent:.3f}, pixel space (784-d) "
      f"{p10_pixel:.3f}  [{len(z_test)} queries, {len(z_train)} images searched, "
      f"{time.perf_counter() - start:.1f} s]")

# %% [markdown]
# The two are close: Fashion-MNIST is centred and aligned, so pixel distance is already a fair
# similarity, and the code was trained to *reconstruct*, not to separate classes. In the full
# run the 32-d code scores 0.825<!-- results/autoencoders.json:retrieval_p10_latent --> against 0.805<!-- results/autoencoders.json:retrieval_p10_pixel --> for pixels (and 0.800<!-- results/autoencoders.json:retrieval_p10_pca --> for a 32-d PCA code): a
# little better, with a 24 times smaller index and faster search. A few queries and their
# five nearest neighbours in each space:

# %%
from unsuplab.metrics.retrieval import nearest_neighbors

queries = np.array([0, 1, 2, 5])
nn_latent = nearest_neighbors(z_test[queries], z_train, k=5)
nn_pixel = nearest_neighbors(x_test[queries].reshape(len(queries), -1),
                             x_train.reshape(len(x_train), -1), k=5)
fig, axes = plt.subplots(len(queries), 11, figsize=(11, 1.25 * len(queries) + 0.5))
for r, q in enumerate(queries):
    row = [(x_test[q], f"query: {class_names[y_test[q]][:8]}")]
    row += [(x_train[j], "latent" if c == 0 else "") for c, j in enumerate(nn_latent[r])]
    row += [(x_train[j], "pixel" if c == 0 else "") for c, j in enumerate(nn_pixel[r])]
    for c, (img, title) in enumerate(row):
        ax = axes[r, c]
        ax.imshow(img[..., 0], cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
        match = c == 0 or y_train[(list(nn_latent[r]) + list(nn_pixel[r]))[c - 1]] == y_test[q]
        ax.set_title(title if match else (title + " ✗").strip(), fontsize=7,
                     color="black" if match else viz.PALETTE[3])
fig.suptitle("Query, then 5 nearest neighbours in latent space, then in pixel space "
             "(✗ = other class)")
fig.tight_layout()

# %% [markdown]
# ## Explore the latent space
#
# Pick a test image and compare its reconstructions by PCA and the convolutional autoencoders;
# then choose a model and move the image's code along one of the principal directions of the
# codes (the slider is in standard deviations) — the decoder redraws the garment live. The map
# on the left shows the codes of all the pictured test images (a larger code on its first two
# directions) and the walk as an arrow. Large steps leave the region where real codes live,
# and the decoder starts to invent. (In a static view only the first picture is shown; run the
# notebook to use the controls.) The same explorer serves every model with a code: chapter 03
# uses it on VAEs.

# %%
from unsuplab.widgets import latent_explorer

n_explore = config.setting("ae.explorer_images")
explore = {f"PCA {pca_full.latent_dim}": pca_full,
           **{f"conv {d}": models["conv", d] for d in latent_sizes}}
explorer = latent_explorer(explore, x_test[:n_explore], labels=y_test[:n_explore],
                           class_names=class_names)
explorer

# %% [markdown]
# ## Summary
#
# * An autoencoder learns a code $z = f(x)$ and a decoder $\hat x = g(z)$ by minimising the
#   reconstruction error; no labels are needed.
# * A **linear** autoencoder trained with MSE spans the **PCA** subspace (Eckart–Young): PCA is
#   the baseline any autoencoder must beat, and the shallow dense one barely does.
# * **Depth** pays off most for small codes (+2.5 dB<!-- results/autoencoders.json:deep_2_psnr_db - results/autoencoders.json:pca_2_psnr_db --> over PCA at $d = 2$); **convolutions**
#   win from $d = 32$ on, with half the weights of the deep dense network. In the full run
#   (`benchmarks/autoencoders.py`, figures in `benchmarks/RESULTS.md`) the 32-d convolutional
#   autoencoder reaches 21.9 dB<!-- results/autoencoders_conv32.json:conv_32_psnr_db --> mean per-image PSNR and SSIM 0.74<!-- results/autoencoders_conv32.json:conv_32_ssim -->, where PCA-32 gives 19.0 dB<!-- results/autoencoders.json:pca_32_psnr_db -->
#   and 0.61<!-- results/autoencoders.json:pca_32_ssim -->.
# * Codes are compact **descriptors**: nearest neighbours in a 32-d code are as relevant as in
#   784-d pixel space, at a fraction of the cost.
# * A 2-D code is a map of the data; walking along latent directions and decoding shows what
#   the code has learned.
#
# ## FAQ
#
# **What is the difference between an autoencoder, a GAN and a VAE?** An *autoencoder* learns
# to compress and rebuild its input: an encoder and a decoder trained on a reconstruction loss.
# It gives codes and reconstructions, but its code space has no prescribed shape, so decoding a
# random code rarely gives a realistic image — it is not a generative model. A *VAE*
# (chapter 03) makes it one: the encoder outputs a distribution, the loss (the ELBO) adds a KL
# term that pulls codes towards a standard normal prior, and then sampling $z \sim
# \mathcal{N}(0, I)$ and decoding gives new images, with a likelihood you can measure. A *GAN*
# has no encoder at all: a generator maps noise to images and a discriminator learns to tell
# them from real ones; the two play a game instead of minimising a reconstruction error. GAN
# samples are usually the sharpest, VAE and autoencoder outputs blurrier (MSE averages the
# plausible details), and only autoencoders and VAEs give you a code for a given image.
#
# **Supervised or unsupervised?** Supervised learning fits a map from inputs to given labels
# (a classifier needs "this is a coat"). Unsupervised learning uses the inputs alone and finds
# structure in them: clusters, a low-dimensional code, a density. An autoencoder is
# unsupervised — more precisely *self-supervised*, since it builds its own target (the input)
# and trains like a supervised network. In this chapter labels only *evaluate* the result
# (colours of the 2-D plot, precision@10), never train it. Codes learned without labels can
# then help a supervised task that has few labels (chapter 08).
#
# **What is the difference between a shallow and a deep autoencoder?** A shallow autoencoder
# has a single layer between input and code (and between code and output); with linear
# layers it can do no better than PCA. A deep one stacks several non-linear layers, so it can
# represent curved low-dimensional structure; the sweep above shows the gain is largest for
# small codes. Depth costs weights and training time and can overfit small datasets; batch
# normalization and a sensible learning-rate schedule make deep autoencoders train reliably.
#
# **How do I choose an autoencoder architecture?** Let the data decide the family:
# convolutions for images (local structure, few weights), dense layers for tabular vectors,
# recurrent or attention layers for sequences. Then choose the **code size** from the quality
# you need: plot PSNR/SSIM against $d$ (as above) and take the smallest $d$ that reaches your
# target (exercise 01.4). Start small (two strided convolutions, as here), compare with PCA,
# and add capacity (filters, depth) only while the *test* error keeps improving; watch the
# training time per epoch on your hardware. If you need to *sample* new images, move on to a
# VAE; if you need robustness to noise or missing pixels, to the correction autoencoders of
# chapter 02.
#
# ## References
#
# * C. Eckart, G. Young. *The approximation of one matrix by another of lower rank.*
#   Psychometrika 1, 1936.
# * H. Bourlard, Y. Kamp. *Auto-association by multilayer perceptrons and singular value
#   decomposition.* Biological Cybernetics 59, 1988.
# * P. Baldi, K. Hornik. *Neural networks and principal component analysis: learning from
#   examples without local minima.* Neural Networks 2, 1989.
# * M. E. Tipping, C. M. Bishop. *Probabilistic principal component analysis.* J. Royal
#   Statistical Society B 61, 1999.
# * G. E. Hinton, R. R. Salakhutdinov. *Reducing the dimensionality of data with neural
#   networks.* Science 313, 2006.
# * J. Masci, U. Meier, D. Cireşan, J. Schmidhuber. *Stacked convolutional auto-encoders for
#   hierarchical feature extraction.* ICANN 2011.
# * S. Ioffe, C. Szegedy. *Batch normalization: accelerating deep network training by reducing
#   internal covariate shift.* ICML 2015.
# * Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli. *Image quality assessment: from
#   error visibility to structural similarity.* IEEE Trans. Image Processing 13, 2004 (SSIM).
# * I. Goodfellow, Y. Bengio, A. Courville. *Deep Learning*, ch. 14 (autoencoders), 2016.
#
# ## Exercises
#
# Write your answer in the cell, then run it: `check(...)` tells you whether it is right, and if
# not, what is off — never the answer itself.
#
# **01.1 — PCA as a linear autoencoder.** Write `pca_reconstruct(x, mean, components)` for data
# `x` of shape `(N, D)`, its mean of shape `(D,)`, and `components` of shape `(d, D)` with
# orthonormal rows — that is $V_d^\top$ in our notation, scikit-learn's layout: encode
# $z = (x - \mu) V_d$, decode $\hat x = z V_d^\top + \mu$.

# %%
from unsuplab.exercises import check


def pca_reconstruct(x, mean, components):
    ...  # your code here


check("01.1", pca_reconstruct)

# %% [markdown]
# **01.2 — An encoder of a given shape.** Write `build_encoder(latent_dim)` returning a
# `keras.Model` that maps images of shape `(28, 28, 1)` to codes of shape `(latent_dim,)`, with
# at least one `Conv2D` layer and fewer than 200 000 weights. Hint: strided convolutions, then
# `Flatten` and `Dense(latent_dim)`.

# %%
import keras  # noqa: F401 (for your encoder)


def build_encoder(latent_dim):
    ...  # your code here: start from keras.Input((28, 28, 1))


check("01.2", build_encoder)

# %% [markdown]
# **01.3 — PSNR by hand.** Write `my_psnr(x, y)` for float images of shape `(N, H, W)` in
# $[0, 1]$: the mean over images of $10 \log_{10}(1 / \mathrm{MSE}_i)$, where $\mathrm{MSE}_i$
# is the mean squared error over the pixels of image $i$. (Why not the PSNR of the mean MSE?
# The checker explains if you try.)

# %%
def my_psnr(x, y):
    ...  # your code here


check("01.3", my_psnr)

# %% [markdown]
# **01.4 — Choose a latent size for a target PSNR.** Write
# `choose_latent_size(sizes, psnr_db, target_db)` that returns the smallest latent size whose
# PSNR reaches `target_db`, or `None` if none does (the sizes may come in any order).

# %%
def choose_latent_size(sizes, psnr_db, target_db):
    ...  # your code here


check("01.4", choose_latent_size)

# %% [markdown]
# Once the check passes, run it on this notebook's own sweep. The target is 20 dB in full mode;
# quick mode trains for a few epochs only, so its models are far from that: there the
# target is 15 dB. Which convolutional code size is the smallest to reach it?

# %%
target_db = 20.0 if config.mode() == "full" else 15.0
conv_psnr = [float(scores["conv", d][0]) for d in latent_sizes]
print("conv PSNR by code size:",
      {d: round(v, 1) for d, v in zip(latent_sizes, conv_psnr, strict=True)})
print(f"smallest conv code reaching {target_db} dB:",
      choose_latent_size(list(latent_sizes), conv_psnr, target_db))

# %% [markdown]
# **01.5 — The reconstruction loss, inside the model.** Keras calls a model's
# `compute_loss(x, y, y_pred, ...)` at every training step; an autoencoder trained with
# `fit(x)` gets its own input as `x` and its reconstruction as `y_pred`. Write
# `reconstruction_loss(x, x_hat)` with `keras.ops` only (Keras compiles the training step, so no
# NumPy): the mean squared error over all images and pixels, one scalar tensor. The check
# compiles it, puts it in the `compute_loss` of a small `DenseAutoencoder`,
#
# ```python
# class MyAutoencoder(DenseAutoencoder):
#     def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
#         return reconstruction_loss(x, y_pred)
# ```
#
# trains it for a few steps and compares its weights with those of the same model trained with
# `loss="mse"`.

# %%
from keras import ops  # noqa: F401 (your code uses ops.*)


def reconstruction_loss(x, x_hat):
    ...  # your code here


check("01.5", reconstruction_loss)

# %% [markdown]
# **01.6 — Build and train a convolutional autoencoder.** Write `build_autoencoder(latent_dim)`
# returning two `keras.Model`s, `(encoder, decoder)`, built from `keras.layers`: the encoder maps
# images of shape `(28, 28, 1)` to codes of shape `(latent_dim,)`, the decoder maps a code back
# to an image of shape `(28, 28, 1)` with pixels in $[0, 1]$. Both are convolutional and
# together hold at most 250 000 weights. The decoder starts from the code alone
# (`keras.Input((latent_dim,))`): nothing of the image may reach it except through the code.
# Your 01.2 encoder is a good start; the decoder retraces its feature maps back up to
# $28 \times 28$.
#
# The check first inspects the two models (shapes, weights, what depends on what, the range of
# the pixels, for `latent_dim` 3 and 16), then trains `decoder(encoder(x))` for 3 epochs on 3072
# Fashion-MNIST images (Adam, mean squared error) next to the library's convolutional
# autoencoder (`unsuplab.networks.conv_encoder` / `conv_decoder`, trained the same way) and
# compares their PSNR on 512 test images: yours must come within one decibel. It trains two small
# models, so give it a little while.

# %%
def build_autoencoder(latent_dim):
    ...  # your code here: an encoder and a decoder, each from its own keras.Input
    # return encoder, decoder


check("01.6", build_autoencoder)

# %% [markdown]
# ### Conceptual and derivation questions
#
# Pen and paper, no check: reference answers for teachers are in `solutions/answers.md`.
#
# **01.C1 — The minimum loss, and what fixes the weights.** Derive
# $J_{\min} = \frac1D \sum_{j > d} \lambda_j$ for the linear autoencoder from Eckart–Young,
# saying which matrix the $\lambda_j$ are the eigenvalues of. Then show that with a gap
# $\lambda_d > \lambda_{d+1}$ the product $W_d W_e$ is fixed on the row space of $X$ only,
# and that $\operatorname{span}(W_d) = \operatorname{span}(V_d)$. What is left free, and what
# happens with a tie $\lambda_d = \lambda_{d+1}$?
#
# **01.C2 — A perfect reconstruction, a useless code.** Give two autoencoders with zero
# training error whose codes are useless: one with $d \ge D$, one with $d = 1$ and a decoder
# of unlimited capacity. What should we measure instead of the training reconstruction error?
#
# **01.C3 — Batch normalization mixes images.** Write what a `BatchNormalization` layer
# computes for image $i$ of a batch in training and at inference. Show that in training the
# code of image $i$ depends on the other images of its batch. Why is this harmless for the
# autoencoders of this chapter, and why do VAEs usually avoid it?
