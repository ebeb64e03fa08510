# %% [markdown]
# # 02 — Correction autoencoders: denoise, deblur and inpaint, against the classical methods
#
# An autoencoder learns to reproduce its input. A **correction autoencoder** (a *denoising*
# autoencoder, in the literature) is given a *damaged* input and asked for the *clean* image:
# it learns the structure of the data without any label, then uses it to repair. This chapter
# trains three of them — a blind denoiser, an inpainter and a self-supervised denoiser that
# never sees a clean image — and measures each against the classical restoration methods that
# image processing used before deep learning (total variation, non-local means, wavelets, BM3D,
# biharmonic inpainting), with numbers.
#
# **Objectives.** Write down the corruption models; see why the best denoiser in the MSE sense
# is the conditional mean $E[x \mid \tilde x]$ and why a narrow bottleneck cannot reach it; train
# a blind U-Net denoiser and an inpainter with a mask-aware loss; understand why hiding the
# centre pixel makes learning from noisy images alone possible (Noise2Self / Noise2Void).
#
# **Time:** about 1 minute in quick mode, about 15 minutes in full mode on a 2-core laptop CPU
# (four networks are trained; BM3D costs ~0.4–1 s per 28×28 image).
#
# **Quick or full?** `UNSUPLAB_QUICK=1` runs small subsets and short training; unset it for the
# real results. The numbers quoted in the text come from `benchmarks/correction.py` (full mode,
# 1000 test images) and are recorded in `benchmarks/RESULTS.md`.

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
from unsuplab.models import classical
from unsuplab.models.correction import (
    cached_blind_spot,
    cached_denoiser,
    cached_inpainter,
    hole_psnr,
)

config.set_seed(0)
viz.set_style()
print(f"mode: {config.mode()}")


def show_table(rows):  # extra code: a list of dicts -> a Markdown table
    from IPython.display import Markdown

    cols = list(rows[0])
    fmt = lambda v: f"{v:.2f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows]
    return Markdown("\n".join(lines))

# %%
# NBVAL_IGNORE_OUTPUT
(x_train, y_train), (x_test_all, y_test_all), class_names = data.load_fashion_mnist()
x_train, _ = data.subset(x_train, y_train, config.setting("correction.train_size"), seed=0)
x_test_u8, y_test = data.subset(x_test_all, y_test_all, config.setting("correction.test_size"), seed=0)
x_test = data.to_float(x_test_u8, channel_axis=False)  # (N, 28, 28) floats in [0, 1]
n_classical = config.setting("correction.classical_size")  # images scored with BM3D here
print(f"train {x_train.shape}, test {x_test.shape}; classical methods on the first {n_classical}")

# %% [markdown]
# ## Corruption models
#
# We damage clean images $x \in [0, 1]^{H \times W}$ in four ways (`unsuplab.data`):
#
# | corruption | model | parameter |
# | --- | --- | --- |
# | Gaussian noise | $\tilde x = \operatorname{clip}(x + \sigma\varepsilon,\,0,\,1)$, $\varepsilon \sim N(0, I)$ | $\sigma$ (25/255 ≈ 0.098) |
# | salt and pepper | each pixel independently set to 1 or 0 with probability $p$ | $p$ |
# | blur | $\tilde x = k_s * x$, a Gaussian kernel of std $s$ pixels | $s$ |
# | missing pixels | $\tilde x = m \odot x$, mask $m \in \{0, 1\}^{H\times W}$ (1 = kept) | hole size |
#
# The clip is what a saved image does to its noise; it makes the noise on the black background
# of Fashion-MNIST one-sided, which a learned model absorbs and a method built for white
# Gaussian noise does not (we come back to it in the comparison). During training the
# corruption is drawn afresh for every batch (`corruption_pairs`, `hole_pairs`, in the
# TensorFlow graph): the network never sees the same damaged image twice.

# %%
show = x_test[:8]
masked, mask = data.random_holes(show, n_holes=1, hole_size=10, seed=10)
rows = {
    "clean": show,
    "σ=25/255": data.gaussian_noise(show, 25 / 255, seed=1),
    "σ=50/255": data.gaussian_noise(show, 50 / 255, seed=1),
    "salt+pepper 10%": data.salt_and_pepper(show, 0.1, seed=1),
    "blur s=1": data.blur(show, 1.0),
    "10×10 hole": masked,
}
fig = viz.image_rows(rows, n=8, title="The corruptions of this chapter")

# %% [markdown]
# ## The denoiser estimates $E[x \mid \tilde x]$
#
# Train a network $f_\theta$ on pairs (damaged, clean) with the mean squared error,
#
# $$\min_\theta\; E_{x,\tilde x}\,\lVert f_\theta(\tilde x) - x\rVert^2 .$$
#
# For every input $\tilde x$ the best constant to output is the mean of the clean images that
# could have produced it, so the minimiser over all functions is the **conditional mean**
# $f^\star(\tilde x) = E[x \mid \tilde x]$ (the MMSE estimate). The network learns it from the
# data — no noise model has to be written down, which is why the same recipe handles noise,
# blur and holes. Drawing $\sigma$ anew for every image (uniform in $[0, 55/255]$) gives one
# **blind** model for every level, which must also estimate how noisy each input is.
#
# **Why not the autoencoder of chapter 01?** A convolutional autoencoder that squeezes a
# 28×28 image through 16–32 numbers reconstructs even *clean* test images at only ~19–21 dB
# PSNR (chapter 01): its output is a smooth prototype, the details are lost in the bottleneck.
# At σ = 25/255 the noisy input is already at ~22 dB; such a model is *worse than doing
# nothing* at low noise, whatever it learns. A **U-Net** (Ronneberger et al., 2015) keeps the
# encoder–decoder but adds *skip connections* that carry each resolution's features across the
# bottleneck; with a residual output $\hat x = \tilde x + g_\theta(\tilde x)$ (DnCNN, Zhang et
# al., 2017) it only has to learn what to *remove*, and at σ → 0 the identity is easy.

# %%
# NBVAL_IGNORE_OUTPUT
dae, trained = cached_denoiser(x_train, verbose=2)
print(f"DenoisingUNet, filters {dae.filters}: {dae.count_params():,} weights "
      f"({'trained now' if trained else 'loaded from the cache'})")

# %% [markdown]
# ## Compare with the classical denoisers
#
# Each classical method gets the **true σ** (an advantage: our network is blind). BM3D (Dabov
# et al., 2007) groups similar patches and filters them jointly; it is the reference of
# classical denoising. The table reports PSNR (mean over images of the per-image PSNR, peak 1),
# SSIM and time per image on one core.

# %%
# NBVAL_IGNORE_OUTPUT
import time  # noqa: E402

sub = x_test[:n_classical]
rows, outputs = [], {}
for s in (25, 50):
    noisy = data.gaussian_noise(x_test, s / 255, seed=s)  # the benchmark's seeds
    rows.append({"σ×255": s, "method": "noisy input", "PSNR dB": metrics.psnr(noisy[:n_classical], sub),
                 "SSIM": metrics.ssim(noisy[:n_classical], sub), "ms/image": 0.0})
    for method in ("tv", "wavelet", "nl_means", "bm3d"):
        # one process: BM3D already runs on two threads, the others take milliseconds
        r = classical.denoise(noisy[:n_classical], s / 255, method=method)
        outputs[s, method] = r.images
        rows.append({"σ×255": s, "method": method, "PSNR dB": metrics.psnr(r.images, sub),
                     "SSIM": metrics.ssim(r.images, sub), "ms/image": 1000 * r.seconds_per_image})
    start = time.perf_counter()
    restored = dae.denoise(noisy)
    per_image = (time.perf_counter() - start) / len(noisy)
    outputs[s, "network"] = restored[:n_classical]
    outputs[s, "noisy"] = noisy[:n_classical]
    rows.append({"σ×255": s, "method": "blind U-Net", "PSNR dB": metrics.psnr(restored[:n_classical], sub),
                 "SSIM": metrics.ssim(restored[:n_classical], sub), "ms/image": 1000 * per_image})
    print(f"σ={s}/255: blind U-Net on all {len(x_test)} test images: "
          f"{metrics.psnr(restored, x_test):.2f} dB")
bm3d_psnr = {r["σ×255"]: r["PSNR dB"] for r in rows if r["method"] == "bm3d"}
show_table(rows)

# %%
grid = {"clean": sub[:8]}
for s in (25, 50):
    grid[f"noisy σ={s}"] = outputs[s, "noisy"][:8]
    grid[f"BM3D σ={s}"] = outputs[s, "bm3d"][:8]
    grid[f"U-Net σ={s}"] = outputs[s, "network"][:8]
fig = viz.image_rows(grid, n=8, title="Before, classical (BM3D, true σ) and the blind U-Net")

# %% [markdown]
# ### PSNR against the noise level
#
# One blind model for every σ; the cheap classical methods across the range (BM3D only at the
# two points above: it is slow). Where the curve of the network is flat at low σ, the skip
# connections are doing their job: no bottleneck ceiling.

# %%
sigmas = np.array([5, 10, 15, 25, 35, 50, 60, 75])
curves = {"noisy": [], "TV": [], "wavelet": [], "blind U-Net": []}
for s in sigmas:
    noisy = data.gaussian_noise(sub, s / 255, seed=int(s))
    curves["noisy"].append(metrics.psnr(noisy, sub))
    curves["TV"].append(metrics.psnr(classical.denoise(noisy, s / 255, method="tv").images, sub))
    curves["wavelet"].append(metrics.psnr(classical.denoise(noisy, s / 255, method="wavelet").images, sub))
    curves["blind U-Net"].append(metrics.psnr(dae.denoise(noisy), sub))
fig = viz.plot_curves(sigmas, curves, xlabel="noise σ × 255", ylabel="PSNR (dB)",
                      title="Denoising Fashion-MNIST: PSNR per noise level")
ax = fig.axes[0]
ax.scatter([25, 50], [bm3d_psnr[25], bm3d_psnr[50]],
           marker="*", s=120, color="black", label="BM3D", zorder=3)
ax.axvline(55, color="grey", ls=":", lw=1)
ax.text(56, ax.get_ylim()[0] + 1, "training range ends", fontsize=8, color="grey")
ax.legend()

# %% [markdown]
# Past 55/255, the end of its training range, the network degrades but does not collapse: it
# was never shown such noise. A model is only as blind as the range it was trained on.
#
# ## Other corruptions: salt-and-pepper and blur
#
# The Gaussian denoiser has learned *one* corruption. Shown salt-and-pepper noise or blur it
# does little: an autoencoder repairs what it was trained to repair. One model trained on a
# mixture (`corruption_pairs("mixed")`: each image gets noise, salt-and-pepper or blur) handles
# all three; the classical answers are a median filter and a Wiener deconvolution (given the
# true blur).

# %%
# NBVAL_IGNORE_OUTPUT
mixed, _ = cached_denoiser(x_train[: len(x_train) // 3], kind="mixed")
sp = data.salt_and_pepper(sub, 0.1, seed=3)
blurred = data.gaussian_noise(data.blur(sub, 1.0), 1 / 255, seed=4)
rows = []
for name, damaged, baseline in (
    ("salt+pepper 10%", sp, classical.median(sp, size=3)),
    ("blur s=1", blurred, classical.deblur(blurred, 1.0, method="wiener")),
):
    rows.append({"corruption": name, "damaged": metrics.psnr(damaged, sub),
                 "classical": baseline.method, "classical dB": metrics.psnr(baseline.images, sub),
                 "Gaussian U-Net": metrics.psnr(dae.denoise(damaged), sub),
                 "mixed U-Net": metrics.psnr(mixed.denoise(damaged), sub)})
show_table(rows)

# %% [markdown]
# ## Inpainting with a mask-aware loss
#
# To fill holes the network must know *where* they are: a hole of zeros and a black region of
# the image look the same. The input gets the mask as a second channel, $(m \odot x,\ m)$, and
# the output keeps the known pixels, $\hat x = m \odot x + (1 - m) \odot f_\theta(m \odot x, m)$.
# The loss is the mean squared error **over the hole pixels only**,
#
# $$L = \frac{\sum_p (1 - m_p)(\hat x_p - x_p)^2}{\sum_p (1 - m_p)},$$
#
# so small and large holes weigh alike and no capacity is spent copying pixels we already
# have. Training holes: 1–2 squares of side 6–14; the test: one 10×10 hole per image. The
# score is the PSNR on the hole pixels (`hole_psnr`); biharmonic inpainting (smooth
# interpolation from the border, `skimage.restoration.inpaint_biharmonic`) is the baseline.
#
# Two details. The centre of a 10×10 hole is 5 pixels from anything known, so the network
# must see far: the inpainter has a **third resolution level** (a receptive field over 40
# pixels wide instead of about 18). And a hole that falls on the black background is filled
# *exactly* by any sensible method: its PSNR would be infinite, so `hole_psnr` floors the
# error at the quantization noise of an 8-bit image, $(1/255)^2/12$, a ceiling of 58.9 dB.

# %%
# NBVAL_IGNORE_OUTPUT
inpainter, _ = cached_inpainter(x_train, verbose=2)
masked, mask = data.random_holes(x_test, n_holes=1, hole_size=10, seed=10)
filled = inpainter.inpaint(masked, mask)
k = 4 * n_classical  # biharmonic is fast enough for four times more images than BM3D
bih = classical.inpaint(masked[:k], mask[:k])
print(f"inpainting U-Net on all {len(x_test)} test images: "
      f"{hole_psnr(x_test, filled, mask):.2f} dB on the holes")
show_table([
    {"method": "holes left black", "hole PSNR dB": hole_psnr(x_test[:k], masked[:k], mask[:k])},
    {"method": f"biharmonic ({1000 * bih.seconds_per_image:.0f} ms/image)",
     "hole PSNR dB": hole_psnr(x_test[:k], bih.images, mask[:k])},
    {"method": "inpainting U-Net", "hole PSNR dB": hole_psnr(x_test[:k], filled[:k], mask[:k])},
])

# %%
fig = viz.image_rows({"clean": x_test[:8], "masked": masked[:8], "biharmonic": bih.images[:8],
                      "U-Net": filled[:8]}, n=8, title="Inpainting a 10×10 hole")

# %% [markdown]
# Biharmonic interpolation continues the border smoothly into the hole; it cannot invent a
# collar, a strap or the edge of a sole. The network has seen 60 000 garments and paints what
# is *likely* there — the conditional mean again, now of the hidden pixels given the rest.
#
# ## Self-supervised denoising: no clean image at all
#
# Everything so far needed clean training images. For a real noisy photograph there is none.
# **Noise2Self** (Batson & Royer, 2019) and **Noise2Void** (Krull et al., 2019) observe: if a
# function $f$ never looks at pixel $p$ when it predicts pixel $p$ (it is *J-invariant*), and
# the noise is independent from pixel to pixel with zero mean, then
#
# $$E\,\lVert f(y) - y\rVert^2 = E\,\lVert f(y) - x\rVert^2 + E\,\lVert y - x\rVert^2 .$$
#
# The cross term vanishes because $f(y)_p$ is independent of the noise at $p$. The last term
# does not depend on $f$, so **minimising the error against the noisy image minimises the error
# against the clean one**. Without the blind spot the minimiser would be the identity, $f(y)=y$,
# which copies the noise. The network must predict each pixel from its *neighbours*, and the
# part of a pixel that the neighbours can predict is the signal, never the noise.
#
# `BlindSpotDenoiser` hides one pixel in every 3×3 cell (replaced by the mean of its four
# neighbours) and is scored on the hidden pixels only. It predicts a Gaussian *prior*
# $N(\mu_p, s_p^2)$ of the clean value from the neighbourhood, then **puts the centre pixel back**
# (Laine et al., 2019): with noise variance $\sigma^2$ the posterior mean is
# $\hat x_p = (s_p^2 y_p + \sigma^2\mu_p)/(s_p^2 + \sigma^2)$ — trust the neighbours in flat
# regions, the pixel itself on edges. σ need not be known: `estimate_sigma` measures it from the
# noisy image alone. Last, `prior` averages the prior over the four quarter turns of the photo
# (test-time augmentation): the network was trained on turned patches, its four estimates err
# partly independently, and their mean gains 0.2 dB on the benchmark's photographs (28.51 →
# 28.72 dB, same model, `benchmarks/RESULTS.md`) for four times the work.

# %%
# NBVAL_IGNORE_OUTPUT
from skimage.restoration import estimate_sigma  # noqa: E402

names = config.setting("correction.photos")
photos = data.load_photos(names, gray=True, size=config.setting("correction.photo_size"))
clean_photos = [photos[n] for n in names]
noisy_photos = [data.gaussian_noise(p, 25 / 255, seed=100 + i) for i, p in enumerate(clean_photos)]
sigma_hat = float(np.mean([estimate_sigma(p) for p in noisy_photos]))
print(f"true σ = {25 / 255:.4f}, estimated from the noisy photos alone: {sigma_hat:.4f}")
blind, _ = cached_blind_spot(noisy_photos, 25 / 255, verbose=2)

# %%
# NBVAL_IGNORE_OUTPUT
rows, shown = [], {}
for name, clean, noisy in zip(names, clean_photos, noisy_photos, strict=True):
    mu, s2 = blind.prior(noisy)  # J-invariant prior, averaged over 4 quarter turns
    out = blind.posterior_mean(noisy, mu, s2)  # the centre pixel put back (Bayes' rule)
    b = classical.denoise(noisy, 25 / 255, method="bm3d")
    shown[name] = (noisy, out, b.images)
    rows.append({"photo": f"{name} {clean.shape[0]}×{clean.shape[1]}",
                 "noisy": metrics.psnr(noisy, clean), "blind spot μ only": metrics.psnr(np.clip(mu, 0, 1), clean),
                 "blind spot + centre": metrics.psnr(out, clean), "BM3D (true σ)": metrics.psnr(b.images, clean),
                 "BM3D s": b.seconds_per_image})
show_table(rows)

# %%
import matplotlib.pyplot as plt  # noqa: E402

name = names[0]
noisy, out, b = shown[name]
crop = (slice(0, min(128, noisy.shape[0])), slice(0, min(128, noisy.shape[1])))
fig, axes = plt.subplots(1, 4, figsize=(11, 3.2))
panels = [("clean", photos[name]), ("noisy σ=25/255", noisy),
          ("blind spot (no clean data)", out), ("BM3D (true σ)", b)]
for ax, (title, img) in zip(axes, panels, strict=True):
    ax.imshow(img[crop], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{title}\n{metrics.psnr(img, photos[name]):.1f} dB" if title != "clean" else title,
                 fontsize=9)
    ax.axis("off")
fig.suptitle(f"{name}: a crop; PSNR of the whole photo")
fig.tight_layout()

# %% [markdown]
# ## Interactive: move the noise or the hole, compare
#
# Pick a task, an image and a strength; the explorer corrupts the image (seeded), and shows the
# network and the best classical method side by side with their PSNR (BM3D, true σ, for noise;
# biharmonic for holes, PSNR on the hole). Try σ = 5/255 (the U-Net barely touches the
# image), σ = 70/255 (beyond its training range) and a 16-pixel hole.

# %%
# NBVAL_IGNORE_OUTPUT
from unsuplab.widgets.correction import correction_explorer  # noqa: E402

explorer = correction_explorer(x_test[:50], denoiser=dae, inpainter=inpainter, classical="bm3d")
explorer

# %% [markdown]
# ## Summary
#
# - A correction autoencoder is trained on (damaged, clean) pairs drawn on the fly; with the
#   squared error it learns $E[x \mid \tilde x]$. Random strengths give one **blind** model.
# - A narrow bottleneck caps the output quality (~19–21 dB on Fashion-MNIST) below a lightly
#   noisy input; **skip connections** and a residual output remove that ceiling.
# - On Fashion-MNIST the blind U-Net beats BM3D given the true σ by a clear margin at 25/255
#   and 50/255 (+2.4 and +3.3 dB on 1000 test images in full mode, `benchmarks/RESULTS.md`),
#   in about a millisecond per image instead of ~0.5 s. Part of the margin is the data
#   (60 000 garments, a learned prior) and part is the clipped, one-sided noise on the black
#   background, which BM3D's white-noise model does not expect.
# - Inpainting needs the mask as an input, a loss on the holes only and a receptive field
#   wider than the hole; the network paints plausible content where biharmonic interpolation
#   can only smooth (+3.3 dB on the holes in the benchmark).
# - Hiding the centre pixel (J-invariance) turns the noisy image into its own training target;
#   adding the pixel back by Bayes' rule recovers about 1 dB of what the blind spot costs. On
#   four real photographs it comes within 1.3 dB of BM3D (28.7 against 30.0 dB) after about
#   three minutes of CPU training, with no clean image and no noise model beyond σ.
#
# ### FAQ
#
# **What is the difference between a correction autoencoder and an autoencoder?** Both map an
# image to an image through an encoder and a decoder and are trained without labels. A plain
# autoencoder gets the *same* image as input and target; to be useful its bottleneck must be
# narrow, and what it learns is a compressed code (chapter 01). A correction autoencoder gets a
# *damaged* input and the *clean* target, so copying is not a solution even without a
# bottleneck; what it learns is a repair, $E[x \mid \tilde x]$, and its architecture is chosen
# for output quality (skip connections) rather than for a small code.
#
# **Is this unsupervised?** No label is used; the targets are the images themselves. With
# clean images it is *self-supervised by corruption*; the blind-spot network goes further and
# needs only the noisy images.
#
# **Why give the classical methods the true σ?** To compare with their best case. In practice
# σ must be estimated (`skimage.restoration.estimate_sigma` is close for Gaussian noise).
#
# **Why is BM3D so strong on photographs and weaker on Fashion-MNIST?** It relies on repeated
# patches inside one image: a 256×256 photograph has many, a 28×28 garment few, and the
# clipped black background breaks its noise model. The networks bring a prior learned from
# many images (or, for the blind spot, from the noisy image's own statistics).
#
# ## Exercises
#
# Each exercise has an automatic check: write your function, run the cell, read the feedback.
# Solutions for teachers are in `solutions/ch02.py`.
#
# **02.1 — PSNR on the hole pixels.** Write `hole_psnr(clean, restored, mask)` for (N, H, W)
# images and a mask with 1 on kept pixels: the mean over images of $10\log_{10}(1/\text{MSE})$,
# the MSE taken over each image's missing pixels only.

# %%
from unsuplab.exercises import check  # noqa: E402


def my_hole_psnr(clean, restored, mask):
    ...  # your code here


check("02.1", my_hole_psnr)

# %% [markdown]
# **02.2 — Hide pixels on a grid.** Write `hide(y, grid, offset)` for one (H, W) image: every
# pixel with `r % grid == offset[0]` and `c % grid == offset[1]` becomes the mean of its four
# neighbours (mirror the borders with `np.pad(y, 1, mode="reflect")`), the rest unchanged. Why
# must the pixel itself not enter the mean?

# %%
def my_hide(y, grid, offset):
    ...  # your code here


check("02.2", my_hide)

# %% [markdown]
# **02.3 — Put the centre pixel back.** Given the noisy value `y`, the prior mean `mu` and
# variance `s2` predicted from the neighbours, and the noise std `sigma`, return the posterior
# mean of the clean value (Gaussian prior, Gaussian noise).

# %%
def my_posterior_mean(y, mu, s2, sigma):
    ...  # your code here


check("02.3", my_posterior_mean)

# %% [markdown]
# **02.4 — (open) One model for every corruption.** Train `cached_denoiser(x_train,
# kind="mixed")` on the full training set and compare it with the Gaussian model at σ = 25/255
# and 50/255: what does generality cost? Then train a Gaussian model on σ ∈ [0, 25/255] only
# and test it at 50/255.
