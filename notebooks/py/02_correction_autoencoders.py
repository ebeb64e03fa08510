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
# **Time:** under a minute in quick mode, about 14 minutes<!-- results/notebooks_full.json:02_correction_autoencoders_full_s --> in full mode on a 2-core laptop CPU
# (23 s<!-- results/notebooks_quick.json:02_correction_autoencoders_quick_s --> and 838 s<!-- results/notebooks_full.json:02_correction_autoencoders_full_s --> recorded; four networks are trained; BM3D costs 1.0 s<!-- results/correction.json:bm3d_s25_s_per_image --> per
# 28×28 image on one core, recorded in `benchmarks/results/correction.json`).
#
# **Quick or full?** `UNSUPLAB_QUICK=1` runs small subsets and short training; unset it for the
# real results. The numbers quoted in the text come from `benchmarks/correction.py` (full mode,
# 1000 test images) and are recorded in `benchmarks/RESULTS.md`.
#
# **Full-quality models without the wait** (a class on Binder): `config.use_pretrained()` in
# the set-up cell (or `make lab PRETRAINED=1`; Binder does it by default) loads the shipped
# full-mode models (the Gaussian and mixed denoisers and the inpainter) instead of training them, in quick mode too;
# their provenance is in `benchmarks/RESULTS.md` (record `pretrained`).
#
# **Class plan.** Lecture (90 min): corruption models, and why the MSE-optimal denoiser is
# $E[x \mid \tilde x]$ (15); the bottleneck ceiling and the U-Net, with the schematic (15);
# against the classical denoisers, PSNR per noise level (15); other corruptions and a mixed
# model (5); inpainting: the mask as an input, the loss on the holes (15); self-supervised
# denoising — J-invariance, Noise2Self with clipped noise, putting the centre pixel back (20);
# the explorer (5). Lab (90 min): run the notebook (10), exercises 02.1–02.3 and the model
# exercise 02.5 (30), Noise2Self's training step 02.6 (20), the open question 02.4 (15),
# conceptual questions 02.C1–02.C3 (15).
#
# **Prerequisites.** Chapter 01 (autoencoders, PSNR); conditional expectation and the
# bias–variance split of a squared error (C. M. Bishop, *Pattern Recognition and Machine
# Learning*, §1.5.5); the Gaussian posterior of a Gaussian prior and likelihood (PRML §2.3);
# convolution and Gaussian blur (R. Gonzalez & R. Woods, *Digital Image Processing*, ch. 3 and
# 5); Keras `compute_loss` (keras.io, "Customizing what happens in fit()").
#
# **Notation.** As in the collection's table (chapter 00, `NOTATION.md`): the clean image $x$,
# the damaged one $\tilde x$, a noisy observation with no clean twin $y$, the restored one
# $\hat x$, the noise level $\sigma$, the mask $m$ (1 = known pixel), and $\theta$ the weights
# of a network that is not split into encoder and decoder.

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
from unsuplab.chapters import ch02
from unsuplab.metrics import hole_psnr
from unsuplab.models import classical
from unsuplab.viz import show_table

config.set_seed(0)
viz.set_style()
print(config.describe())

# %%
# NBVAL_IGNORE_OUTPUT
d = ch02.load_data()  # the chapter's protocol: subsets, seeds, photographs (unsuplab.chapters)
x_train = d.x_train  # (N, 28, 28) uint8: clean images, corrupted inside the models
x_test = d.x_test  # (N, 28, 28) floats in [0, 1]
n_classical = d.n_classical  # images scored with BM3D here
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
# corruption is drawn afresh for every batch inside the model's own loss
# (`DenoisingUNet.compute_loss`, with `keras.random` and the model's seed generator, on any
# Keras backend): the network is fed clean images and never sees the same damaged image twice.

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
# 28×28 image through 32 numbers reconstructs even *clean* test images at only 21.9 dB<!-- results/autoencoders_conv32.json:conv_32_psnr_db -->
# PSNR (chapter 01): its output is a smooth prototype, the details are lost in the bottleneck.
# At σ = 25/255 the noisy input is already at 21.8 dB<!-- results/correction_networks.json:noisy_s25_psnr_db -->; such a model is *no better than doing
# nothing* at low noise, whatever it learns. A **U-Net** (Ronneberger et al., 2015) keeps the
# encoder–decoder but adds *skip connections* that carry each resolution's features across the
# bottleneck; with a residual output $\hat x = \tilde x + g_\theta(\tilde x)$ (DnCNN, Zhang et
# al., 2017) it only has to learn what to *remove*, and at σ → 0 the identity is easy.

# %%
fig = viz.schematic("unet", filters=(16, 32), residual=True,
                    title="The blind denoiser: a U-Net with two resolutions and a residual output")

# %%
# NBVAL_IGNORE_OUTPUT
dae, trained = ch02.cached_denoiser(x_train)
how = ("trained now" if trained else "the shipped full-mode model"
       if hasattr(dae, "pretrained") else "loaded from the cache")
print(f"DenoisingUNet, filters {dae.filters}: {dae.count_params():,} weights ({how})")
progress = f"training progress (1/{ch02.LOGS_PER_EPOCH} of a pass over the images)"
fig = viz.plot_history(dae.training_history, ["loss"], xlabel=progress,
                       title="Blind U-Net: MSE against the clean batch")

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
for s, noisy in ch02.noisy_test_sets(x_test).items():  # σ = s/255, the benchmark's seeds
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
# mixture (`corruption="mixed"`: each image gets noise, salt-and-pepper or blur) handles
# all three; the classical answers are a median filter and a Wiener deconvolution (given the
# true blur).

# %%
# NBVAL_IGNORE_OUTPUT
mixed, _ = ch02.cached_denoiser(x_train[: len(x_train) // 3], corruption="mixed")
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
fig = viz.schematic("unet", filters=(16, 32, 64), residual=False, mask_input=True,
                    title="The inpainter: three resolutions, the mask as a second channel")

# %%
# NBVAL_IGNORE_OUTPUT
inpainter, _ = ch02.cached_inpainter(x_train)
fig = viz.plot_history(inpainter.training_history, ["hole_mse"], xlabel=progress,
                       title="Inpainting U-Net: MSE on the hole pixels")
masked, mask = ch02.hole_test_set(x_test)  # one 10×10 hole per image, seeded
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
# the noise $n = y - x$ is independent from pixel to pixel given $x$, with **zero mean**, then
#
# $$E\,\lVert f(y) - y\rVert^2 = E\,\lVert f(y) - x\rVert^2 + E\,\lVert y - x\rVert^2 .$$
#
# The cross term $-2 \sum_p E[(f(y)_p - x_p)\, n_p]$ vanishes: given $x$ and the other pixels
# $y_{-p}$, the factor $f(y)_p - x_p$ is fixed and $n_p$ still has mean 0. The last term
# does not depend on $f$, so **minimising the error against the noisy image minimises the error
# against the clean one**. Without the blind spot the minimiser would be the identity, $f(y)=y$,
# which copies the noise. The network must predict each pixel from its *neighbours*, and the
# part of a pixel that the neighbours can predict is the signal, never the noise.
#
# **Clipping breaks the zero mean.** This chapter's noise is clipped to $[0, 1]$ like a saved
# image. Still independent between pixels, it is no longer zero-mean near black and white: on
# a black pixel $y_p = \max(\sigma\varepsilon_p, 0)$ has mean $\sigma/\sqrt{2\pi} \approx
# 0.4\,\sigma$ (and $-0.4\,\sigma$ on white), and its variance is about $0.34\,\sigma^2$
# instead of $\sigma^2$. The cross term becomes $-2 \sum_p E[(f(y)_p - x_p)\, b_p(x)]$ with
# $b_p(x) = E[n_p \mid x]$, and the minimiser is the mean of the *clipped* pixel,
# $E[x_p + b_p(x) \mid y_{-p}]$: the network learns to lift black regions by about $0.4\,\sigma$
# (10/255 at σ = 25/255) and to darken white ones, and the Gaussian "centre pixel" step below is
# off there too. The bias fades fast away from black (at $x_p = \sigma$ it is already
# $0.08\,\sigma$): on the photographs it is confined to the shadows (in three of the four, a sizeable
# share of the pixels lies within σ of black), while on Fashion-MNIST, about half black, it would be
# everywhere (question 02.C2).
#
# `BlindSpotDenoiser` hides one pixel in every 3×3 cell (replaced by the mean of its four
# neighbours; schematic below)
# and is scored on the hidden pixels only. It predicts a Gaussian *prior*
# $N(\mu_p, s_p^2)$ of the clean value from the neighbourhood, then **puts the centre pixel back**
# (Laine et al., 2019): with noise variance $\sigma^2$ the posterior mean is
# $\hat x_p = (s_p^2 y_p + \sigma^2\mu_p)/(s_p^2 + \sigma^2)$ — trust the neighbours in flat
# regions, the pixel itself on edges. σ need not be known: `estimate_sigma` measures it from the
# noisy image alone. Last, `prior` averages the prior over the four quarter turns of the photo
# (test-time augmentation): the network was trained on turned patches, its four estimates err
# partly independently, and their mean is the estimate scored on the benchmark's photographs (28.72 dB<!-- results/correction.json:selfsup_photo_s25_psnr_db -->,
# `benchmarks/RESULTS.md`), for four times the work.

# %%
fig = viz.schematic("blind_spot", grid=3, size=9)

# %%
# NBVAL_IGNORE_OUTPUT
from skimage.restoration import estimate_sigma  # noqa: E402

names, clean_photos, noisy_photos = d.photo_names, d.clean_photos, d.noisy_photos
sigma_hat = float(np.mean([estimate_sigma(p) for p in noisy_photos]))
print(f"true σ = {ch02.PHOTO_SIGMA:.4f}, estimated from the noisy photos alone: {sigma_hat:.4f}")
blind, _ = ch02.cached_blind_spot(noisy_photos, ch02.PHOTO_SIGMA)
fig = viz.plot_history(blind.training_history, ["nll"], xlabel=f"1/{ch02.LOGS_PER_EPOCH} of the training",
                       title="Blind spot: NLL of the hidden noisy pixels")

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

name, clean = names[0], clean_photos[0]
noisy, out, b = shown[name]
crop = (slice(0, min(128, noisy.shape[0])), slice(0, min(128, noisy.shape[1])))
fig, axes = plt.subplots(1, 4, figsize=(11, 3.4), layout="constrained")
panels = [("clean", clean), ("noisy σ=25/255", noisy),
          ("blind spot (no clean data)", out), ("BM3D (true σ)", b)]
for ax, (title, img) in zip(axes, panels, strict=True):
    ax.imshow(img[crop], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{title}\n{metrics.psnr(img, clean):.1f} dB" if title != "clean" else title,
                 fontsize=9)
    ax.axis("off")
fig.suptitle(f"{name}: a crop; PSNR of the whole photo")

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
# - A narrow bottleneck caps the output quality (21.9 dB<!-- results/autoencoders_conv32.json:conv_32_psnr_db --> at 32 numbers on Fashion-MNIST) below a lightly
#   noisy input; **skip connections** and a residual output remove that ceiling.
# - On Fashion-MNIST the blind U-Net beats BM3D given the true σ by a clear margin at 25/255
#   and 50/255 (+2.4<!-- results/correction_networks.json:dae_s25_psnr_db - results/correction.json:bm3d_s25_psnr_db --> and +3.3 dB<!-- results/correction_networks.json:dae_s50_psnr_db - results/correction.json:bm3d_s50_psnr_db --> on 1000 test images in full mode, `benchmarks/RESULTS.md`),
#   in well under a millisecond per image instead of a second (0.2 ms<!-- results/correction_networks.json:dae_s25_s_per_image --> against 1.0 s<!-- results/correction.json:bm3d_s25_s_per_image -->
#   recorded). Part of the margin is the data
#   (60 000 garments, a learned prior) and part is the clipped, one-sided noise on the black
#   background, which BM3D's white-noise model does not expect.
# - Inpainting needs the mask as an input, a loss on the holes only and a receptive field
#   wider than the hole; the network paints plausible content where biharmonic interpolation
#   can only smooth (+3.0 dB<!-- results/correction_networks.json:inpaint_hole_psnr_db - results/correction.json:biharmonic_hole_psnr_db --> on the holes in the benchmark: 17.74<!-- results/correction_networks.json:inpaint_hole_psnr_db --> against 14.73 dB<!-- results/correction.json:biharmonic_hole_psnr_db -->).
# - Hiding the centre pixel (J-invariance) turns the noisy image into its own training target;
#   adding the pixel back by Bayes' rule recovers about 1 dB<!-- results/correction.json:selfsup_photo_s25_psnr_db - results/correction.json:selfsup_mu_only_photo_s25_psnr_db --> of what the blind spot costs. On
#   four real photographs it comes within 1.3 dB<!-- results/correction.json:bm3d_photo_s25_psnr_db - results/correction.json:selfsup_photo_s25_psnr_db --> of BM3D (28.7<!-- results/correction.json:selfsup_photo_s25_psnr_db --> against 30.0 dB<!-- results/correction.json:bm3d_photo_s25_psnr_db -->) after a short
#   CPU training, with no clean image and no noise model beyond σ.
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
# ## References
#
# * P. Vincent, H. Larochelle, Y. Bengio, P.-A. Manzagol. *Extracting and composing robust
#   features with denoising autoencoders.* ICML 2008; P. Vincent et al. *Stacked denoising
#   autoencoders.* JMLR 11, 2010.
# * O. Ronneberger, P. Fischer, T. Brox. *U-Net: convolutional networks for biomedical image
#   segmentation.* MICCAI 2015.
# * K. Zhang, W. Zuo, Y. Chen, D. Meng, L. Zhang. *Beyond a Gaussian denoiser: residual
#   learning of deep CNN for image denoising* (DnCNN). IEEE Trans. Image Processing 26, 2017.
# * K. Dabov, A. Foi, V. Katkovnik, K. Egiazarian. *Image denoising by sparse 3-D
#   transform-domain collaborative filtering* (BM3D). IEEE Trans. Image Processing 16, 2007.
# * A. Buades, B. Coll, J.-M. Morel. *A non-local algorithm for image denoising.* CVPR 2005;
#   L. Rudin, S. Osher, E. Fatemi. *Nonlinear total variation based noise removal algorithms.*
#   Physica D 60, 1992; D. Donoho, I. Johnstone. *Ideal spatial adaptation by wavelet
#   shrinkage.* Biometrika 81, 1994.
# * D. Pathak et al. *Context encoders: feature learning by inpainting.* CVPR 2016.
# * J. Lehtinen et al. *Noise2Noise: learning image restoration without clean data.* ICML 2018.
# * J. Batson, L. Royer. *Noise2Self: blind denoising by self-supervision.* ICML 2019.
# * A. Krull, T.-O. Buchholz, F. Jug. *Noise2Void — learning denoising from single noisy
#   images.* CVPR 2019.
# * S. Laine, T. Karras, J. Lehtinen, T. Aila. *High-quality self-supervised deep image
#   denoising.* NeurIPS 2019.
#
# ## Exercises
#
# Each exercise has an automatic check: write your function, run the cell, read the feedback.
# Solutions for teachers are in `solutions/ch02.py`.
#
# **02.1 — PSNR on the hole pixels.** Write `my_hole_psnr(clean, restored, mask)` for (N, H, W)
# images in $[0, 1]$ and a mask with 1 on kept pixels: the mean over images of
# $10\log_{10}(1/\text{MSE})$, the MSE taken over each image's missing pixels only, one number.
# (`metrics.hole_psnr` also floors the MSE at the 8-bit quantization noise $(1/255)^2/12$, so
# that a perfect fill scores 58.9 dB rather than infinity; you may leave the floor out: the
# checker's holes are far from perfect, so both give the same score.)

# %%
from unsuplab.exercises import check  # noqa: E402


def my_hole_psnr(clean, restored, mask):
    ...  # your code here


check("02.1", my_hole_psnr)

# %% [markdown]
# **02.2 — Hide pixels on a grid.** Write `my_hide(y, grid, offset)` for one (H, W) image: every
# pixel with `r % grid == offset[0]` and `c % grid == offset[1]` becomes the mean of its four
# neighbours (mirror the borders with `np.pad(y, 1, mode="reflect")`), the rest unchanged;
# return a new image and leave `y` as it is (it is the Noise2Self target). Why must the pixel
# itself not enter the mean?

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
# **02.4 — (open, discussion: no check) One model for every corruption.** Train `ch02.cached_denoiser(x_train,
# corruption="mixed")` on the full training set and compare it with the Gaussian model at
# σ = 25/255 and 50/255: what does generality cost? Then train a Gaussian model on
# σ ∈ [0, 25/255] only (`ch02.cached_denoiser(x_train, sigma=(0, 25 / 255))`) and test it at
# 50/255.
#
# **02.5 — The blind noise, inside a denoiser's `compute_loss`.** `DenoisingUNet` is trained on
# clean images: its `compute_loss` corrupts every batch afresh with `self.corrupt(x)`. Write
# that corruption as `add_noise(x, sigma_max, seed)` with `keras.ops` and `keras.random` only:
# for a batch `x` of shape (N, H, W, 1) in $[0, 1]$, draw one noise std per image, uniform in
# $[0, \sigma_{max}]$ (shape (N, 1, 1, 1)), add that std times standard-normal noise, and clip
# to $[0, 1]$. Draw with `seed=seed` (a `keras.random.SeedGenerator`: new numbers at every
# call, so that every batch gets new noise). The check measures your noise, then trains a small
# denoiser whose `corrupt` calls your function and compares its losses with the library's.
# Why one std per image and not one for the whole training set?

# %%
import keras  # noqa: F401 (your code uses keras.random and keras.ops)
from keras import ops  # noqa: F401


def add_noise(x, sigma_max, seed):
    ...  # your code here


check("02.5", add_noise)

# %% [markdown]
# **02.6 — Noise2Self's training step: hide, predict, score the hidden pixels.** Train a
# denoiser from noisy images alone. Write `blind_spot_train_step(network, optimizer, noisy,
# grid, offset)` with `keras.ops`: `noisy` is a batch (N, H, W, 1); hide the pixels $(r, c)$
# with `r % grid == offset[0]` and `c % grid == offset[1]` as in 02.2 (each replaced by the
# mean of its four neighbours, the batch mirrored at its borders), run `network` on the
# hidden batch, and take one `optimizer` step on the mean squared error between its output
# and the *noisy* batch, averaged over the hidden pixels only (gradients from
# `value_and_grad(loss_fn, network.trainable_variables)`, as in 04.6). Return the loss. The
# check runs three of your steps next to the reference's from the same weights, batches and
# offsets, then trains your step (compiled) for 300 steps on noisy Fashion-MNIST images
# (σ = 0.2) and scores the network against the clean test images, which training never sees.
# Why does the loss have to skip the pixels the network could see, and why does fitting the
# noisy values teach the clean ones (02.C2)?

# %%
from unsuplab.exercises import value_and_grad  # noqa: E402, F401


def blind_spot_train_step(network, optimizer, noisy, grid, offset):
    ...  # your code here (about 15 lines)


check("02.6", blind_spot_train_step)

# %% [markdown]
# ### Conceptual and derivation questions
#
# Pen and paper, no check: reference answers for teachers are in `solutions/answers.md`.
#
# **02.C1 — The MSE-optimal denoiser.** Show that over all functions $f$, $E\lVert f(\tilde x)
# - x \rVert^2$ is minimised by $f(\tilde x) = E[x \mid \tilde x]$ (add and subtract the
# conditional mean). What does a network that cannot represent it — a narrow bottleneck —
# learn instead, and why is the optimum blurry where the input is ambiguous?
#
# **02.C2 — Noise2Self with clipped noise.** Expand $E\lVert f(y) - y \rVert^2$ for a
# J-invariant $f$ and noise independent between pixels given $x$, and show exactly when the
# cross term vanishes. With $y = \operatorname{clip}(x + \sigma\varepsilon, 0, 1)$, compute the
# noise's mean on a black pixel and say what the self-supervised minimiser becomes there.
#
# **02.C3 — The mask as an input, the loss on the holes.** Why must the inpainter be given
# the mask $m$, when $m \odot x$ seems to contain it? Why divide each image's squared error by
# its number of hole pixels rather than average over all the pixels of a batch?
