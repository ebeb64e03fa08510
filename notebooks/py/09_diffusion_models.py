# %% [markdown]
# # 09 — Diffusion and flow matching: derived from denoising and the ELBO, measured like GANs
#
# A diffusion model generates an image by starting from pure noise and removing it a little
# at a time. The network that removes it is a **denoiser** — the same kind of network as
# chapter 02's — told how noisy its input is; its loss is a weighted **ELBO** — the bound of
# chapter 03 — on a chain of latent variables; and its samples are scored with chapter 04's
# FID, precision/recall and class coverage. This chapter derives DDPM (Ho et al. 2020) from
# those two pieces, samples it three ways (ancestral DDPM, deterministic DDIM, and the
# ODE of **flow matching**), connects it to chapter 02 through Tweedie's formula (*a denoiser
# is a score estimate*), and steers a class-conditional model with **classifier-free
# guidance**.
#
# **Objectives.** Derive the closed form of the forward process $q(x_t \mid x_0)$; apply the
# ELBO to the reverse chain and see why it reduces to a weighted noise-prediction (denoising)
# loss; state Tweedie's formula and read a denoiser as a score; know why DDIM is a
# deterministic sampler of the *same* trained model and can skip steps; train flow matching as
# a regression onto a velocity field and say why straight paths need fewer steps; use
# classifier-free guidance as a fidelity/diversity dial; measure samples against the number of
# sampling steps, and know what a step costs on a CPU.
#
# **Time:** quick mode is sized to run in about a minute on a 2-core laptop CPU (few
# training steps on a subset: a *first look*, the samples are rough shapes at best). Full
# mode, from an empty model cache, took 27 minutes<!-- results/notebooks_full.json:09_diffusion_models_full_s -->
# on a 2-core CPU (1632 s<!-- results/notebooks_full.json:09_diffusion_models_full_s --> and a peak of
# 1659 MiB<!-- results/notebooks_full.json:09_diffusion_models_full_peak_rss_mb --> recorded by `benchmarks/notebooks.py`): over the 15-minute budget of
# the other chapters, so start it early or use the shipped model. Models are cached, so a
# second run takes seconds.
# Full-mode figures are quoted only from the benchmark's record (`benchmarks/diffusion.py`,
# `benchmarks/RESULTS.md`).
#
# **Quick or full?** `UNSUPLAB_QUICK=1` trains the same network for far fewer steps on a
# subset; unset it for the real results. The values of both modes are in `unsuplab.config.SETTINGS` (names starting
# with `diffusion.`). With the shipped model (`config.use_pretrained()`, `make lab
# PRETRAINED=1`, Binder's default) quick mode shows full-quality samples.
#
# **Class plan.** Lecture (2 × 60 min). First hour: the forward process and its closed form
# (10); the reverse chain, the ELBO and the noise-prediction loss (25); the schedule and the
# network (10); ancestral sampling (15). Second hour: score and Tweedie's formula, the bridge
# to chapter 02 (15); DDIM (10); flow matching and straight paths (15); classifier-free
# guidance (10); what a step costs, and diffusion vs GAN vs VAE (10). Lab (90 min): run the
# notebook and the two explorers (20), exercises 09.1–09.3 (30), 09.4 — the training step
# (20), conceptual questions 09.C1–09.C4 (20).
#
# **Prerequisites.** Chapter 02 (MMSE denoisers and their U-Net), chapter 03 (the ELBO, the
# KL between Gaussians, the reparameterization trick), chapter 04 (FID, precision/recall,
# class shares; the domain classifier); Gaussian conditioning (Bishop, *PRML*, §2.3);
# ordinary differential equations and Euler's method; Keras `compute_loss` (keras.io,
# "Customizing what happens in fit()", and its *Denoising Diffusion Implicit Models* example).
#
# **Notation.** As in the collection's table (chapter 00, `NOTATION.md`): an image $x_0 = x$
# on the model's scale $[-1, 1]$; $t = 1, \dots, T$ the diffusion step; $\beta_t$ the noise
# added at step $t$, $\alpha_t = 1 - \beta_t$, $\bar\alpha_t = \prod_{s \le t} \alpha_s$;
# $\varepsilon \sim \mathcal{N}(0, I)$ a noise image; $\varepsilon_\theta(x_t, t)$ the
# network's noise prediction; for flow matching $t \in [0, 1]$ and $v_\theta(x_t, t)$ a
# velocity; $y$ a class label, $w$ the guidance strength.

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

from unsuplab import config, metrics, viz
from unsuplab.chapters import ch04, ch09
from unsuplab.models.diffusion import cosine_schedule, linear_schedule
from unsuplab.viz.tables import show_table

config.set_seed(0)
viz.set_style()
print(config.describe())

# %%
# NBVAL_IGNORE_OUTPUT
data = ch09.load_data()  # uint8 (N, 28, 28, 1) Fashion-MNIST, with labels
print(f"training images: {len(data.x_train)}, test images: {len(data.x_test)}")

# %% [markdown]
# ## 1. The forward process: destroy an image in $T$ small Gaussian steps
#
# Fix a schedule $\beta_1, \dots, \beta_T \in (0, 1)$ and add a little Gaussian noise at each
# step, shrinking the image so that its variance stays bounded:
#
# $$q(x_t \mid x_{t-1}) = \mathcal{N}\big(\sqrt{\alpha_t}\,x_{t-1},\ \beta_t I\big),
#   \qquad \alpha_t = 1 - \beta_t .$$
#
# **The closed form.** Writing $x_t = \sqrt{\alpha_t}\,x_{t-1} + \sqrt{1 - \alpha_t}\,
# \varepsilon_t$ and substituting $x_{t-1} = \sqrt{\bar\alpha_{t-1}}\,x_0 +
# \sqrt{1 - \bar\alpha_{t-1}}\,\varepsilon'$ (induction), the two independent noise terms add
# up to one Gaussian of variance $\alpha_t(1 - \bar\alpha_{t-1}) + (1 - \alpha_t) =
# 1 - \bar\alpha_t$. So any step is **one** draw away from the clean image (09.C1):
#
# $$q(x_t \mid x_0) = \mathcal{N}\big(\sqrt{\bar\alpha_t}\,x_0,\ (1 - \bar\alpha_t) I\big),
#   \qquad x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon,
#   \qquad \bar\alpha_t = \prod_{s=1}^t \alpha_s .$$
#
# Training never runs the chain: it draws $t$ and $\varepsilon$ and jumps (exercise 09.1).
# With $\bar\alpha_T \approx 0$, $x_T$ is pure noise whatever $x_0$ was, and its distribution is
# the prior $\mathcal{N}(0, I)$. Two schedules: Ho et al.'s **linear** $\beta_t$ from
# $10^{-4}$ to $0.02$, and Nichol & Dhariwal's **cosine** $\bar\alpha_t = f(t)/f(0)$,
# $f(t) = \cos^2\!\big(\tfrac{t/T + s}{1 + s}\cdot\tfrac{\pi}{2}\big)$, $s = 0.008$, which
# destroys the image more evenly over $t$ (the linear one has turned it into noise long
# before $T$, so many steps are wasted):

# %%
T = 1000
schedules = {"linear": linear_schedule(T), "cosine": cosine_schedule(T)}
steps = np.arange(1, T + 1)
fig = viz.plot_curves(steps, {f"{name}: ᾱ_t": a for name, a in schedules.items()},
                      xlabel="step t", ylabel="ᾱ_t (share of the signal's variance)",
                      title="Two noise schedules, T = 1000", marker=None)
x0 = data.x_test[:1].astype(np.float32) / 127.5 - 1.0  # the model's scale, [-1, 1]
noise = np.random.default_rng(0).standard_normal(x0.shape).astype(np.float32)
shown = [0, 100, 250, 500, 750, 900, 999]
rows = {}
for name, alpha_bar in schedules.items():
    a = alpha_bar[shown].reshape(-1, 1, 1, 1)
    x_t = np.sqrt(a) * x0 + np.sqrt(1 - a) * noise  # q(x_t | x_0) at each step, the same ε
    rows[f"{name}: t = " + ", ".join(str(s + 1) for s in shown)] = np.clip((x_t + 1) / 2, 0, 1)
fig = viz.image_rows(rows, n=len(shown), size=1.1,
                     title="One image through the forward process (the same noise ε)")

# %% [markdown]
# ## 2. The reverse chain, the ELBO, and why the loss is denoising
#
# Generation runs the chain backwards: start from $x_T \sim \mathcal{N}(0, I)$ and draw
# $x_{t-1} \sim p_\theta(x_{t-1} \mid x_t) = \mathcal{N}(\mu_\theta(x_t, t), \sigma_t^2 I)$.
# This is a latent-variable model with latents $x_{1:T}$ and a *fixed* encoder $q$, so
# chapter 03's ELBO applies:
#
# $$-\log p_\theta(x_0) \le \mathbb{E}_q\Big[\underbrace{\mathrm{KL}(q(x_T \mid x_0) \,\|\,
#   p(x_T))}_{L_T\text{, no parameters}} + \sum_{t=2}^{T} \underbrace{\mathrm{KL}\big(q(x_{t-1}
#   \mid x_t, x_0) \,\|\, p_\theta(x_{t-1} \mid x_t)\big)}_{L_{t-1}}
#   \underbrace{- \log p_\theta(x_0 \mid x_1)}_{L_0}\Big].$$
#
# The forward posterior is Gaussian (Bayes' rule on two Gaussians):
# $q(x_{t-1} \mid x_t, x_0) = \mathcal{N}(\tilde\mu_t, \tilde\beta_t I)$ with
#
# $$\tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1 - \bar\alpha_t}\,x_0
#   + \frac{\sqrt{\alpha_t}\,(1 - \bar\alpha_{t-1})}{1 - \bar\alpha_t}\,x_t,
#   \qquad \tilde\beta_t = \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}\,\beta_t .$$
#
# Between two Gaussians of the same variance $\sigma_t^2 I$ the KL is
# $\lVert\tilde\mu_t - \mu_\theta\rVert^2 / (2\sigma_t^2)$ plus a constant. Substitute
# $x_0 = (x_t - \sqrt{1 - \bar\alpha_t}\,\varepsilon)/\sqrt{\bar\alpha_t}$: then
# $\tilde\mu_t = \frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}
# \varepsilon\big)$, so parameterise the model the same way with a **noise predictor**,
# $\mu_\theta = \frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}
# \varepsilon_\theta(x_t, t)\big)$, and each term becomes a weighted denoising loss (09.C2):
#
# $$L_{t-1} = \frac{\beta_t^2}{2\sigma_t^2\,\alpha_t\,(1 - \bar\alpha_t)}\,
#   \mathbb{E}\,\big\lVert \varepsilon - \varepsilon_\theta\big(\sqrt{\bar\alpha_t}\,x_0 +
#   \sqrt{1 - \bar\alpha_t}\,\varepsilon,\ t\big)\big\rVert^2 + C .$$
#
# Ho et al. drop the weight and average over a uniformly drawn $t$:
# $L_{simple} = \mathbb{E}_{x_0, t, \varepsilon}\lVert\varepsilon - \varepsilon_\theta(x_t,
# t)\rVert^2$ — no longer the ELBO, but a reweighting of it that gives better samples (it
# spends less effort on the nearly clean steps, whose weight is largest). **The training step
# is: draw noise and a step, make $x_t$ in closed form, predict the noise, regress**
# (exercise 09.4). The network is a small U-Net like chapter 02's, with the step $t$ entering
# every residual block through a sinusoidal embedding (`unsuplab.networks.time_unet`).

# %%
fig = viz.schematic("diffusion")

# %% [markdown]
# ## 3. Train a noise predictor
#
# `ch09.cached_diffusion` builds `unsuplab.models.Diffusion` (ε-prediction, cosine schedule,
# $T = 1000$), trains it with Adam through `unsuplab.training.fit` — its `compute_loss` draws
# $t$ and $\varepsilon$ from the model's own seed generator — and caches it. This model is
# class-conditional: with probability 0.1 its label is replaced by a "no label" token, so the
# same network also predicts the noise *without* a label (section 8 needs both). The loss is
# $L_{simple}$, a mean over pixels: predicting $\varepsilon_\theta = 0$ scores 1.

# %%
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
model, trained = ch09.cached_diffusion(data.x_train, data.y_train, objective="eps",
                                       conditional=True)
print("trained now" if trained else "the shipped full-mode model"
      if hasattr(model, "pretrained") else "loaded from the cache",
      f"in {time.perf_counter() - start:.0f} s | {model.network.count_params()} weights")
fig = viz.plot_history(model.training_history, ["loss"],
                       title="ε-prediction: the denoising loss (1 = predicting zero noise)")

# %% [markdown]
# ## 4. Sampling: the reverse chain, step by step
#
# **Ancestral (DDPM) sampling** draws $x_{t-1} = \mu_\theta(x_t, t) + \sigma_t z$,
# $z \sim \mathcal{N}(0, I)$, for $t = T, \dots, 1$, here with the posterior's variance
# $\sigma_t^2 = \tilde\beta_t$. With fewer steps than $T$ the chain runs on a subsequence of
# the steps, its $\beta$'s recomputed from $\bar\alpha$ there (Nichol & Dhariwal's
# respacing). At every step the network also gives a prediction of the clean image,
# $\hat x_0 = (x_t - \sqrt{1 - \bar\alpha_t}\,\varepsilon_\theta)/\sqrt{\bar\alpha_t}$
# (section 5 says why this is the best guess; the sampler clips it to $[-1, 1]$, where the
# data live): early on it is the blurry average of everything $x_t$ could still become.

# %%
# NBVAL_IGNORE_OUTPUT
n_show = 8
images, trajectory = model.generate(n_show, steps=50, sampler="ddpm", seed=1,
                                    return_trajectory=True)
picked = np.linspace(0, len(trajectory) - 1, 6).astype(int)
# trajectory: one (x_t, predicted x̂_0) pair per step, both mapped to [0, 1] for display
fig = viz.image_rows({"x_t along the chain": np.concatenate([trajectory[k][0][:1]
                                                              for k in picked]),
                      "predicted x̂_0": np.concatenate([trajectory[k][1][:1] for k in picked])},
                     n=len(picked), size=1.0,
                     title=f"One DDPM chain, steps {', '.join(str(k) for k in picked)} of "
                           f"{len(trajectory)}")
fig = viz.image_rows({"final samples": images}, n=n_show, size=1.0,
                     title="50 DDPM steps from 8 noise images")

# %% [markdown]
# ## 5. The score, Tweedie's formula, and chapter 02's denoisers
#
# The **score** of a density is $\nabla_x \log p(x)$: the direction in which images become
# more likely. **Tweedie's formula** (Robbins 1956; Efron 2011): if $y = x + \sigma n$ with
# $n \sim \mathcal{N}(0, I)$ and $p_\sigma$ the density of $y$, the MMSE denoiser is
#
# $$\mathbb{E}[x \mid y] = y + \sigma^2\,\nabla_y \log p_\sigma(y)$$
#
# (09.C3; exercise 09.3). Read backwards, **a trained MMSE denoiser $D$ is a score estimate**,
# $\nabla_y \log p_\sigma(y) \approx (D(y) - y)/\sigma^2$: chapter 02's denoisers already knew
# the score of noisy Fashion-MNIST. For $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 -
# \bar\alpha_t}\,\varepsilon$ Tweedie gives $\mathbb{E}[\sqrt{\bar\alpha_t}\,x_0 \mid x_t] =
# x_t + (1 - \bar\alpha_t)\nabla \log p_t(x_t)$, and since the best noise prediction is
# $\mathbb{E}[\varepsilon \mid x_t]$,
#
# $$\nabla_{x_t} \log p_t(x_t) = -\frac{\mathbb{E}[\varepsilon \mid x_t]}{\sqrt{1 -
#   \bar\alpha_t}} \approx -\frac{\varepsilon_\theta(x_t, t)}{\sqrt{1 - \bar\alpha_t}},
#   \qquad \hat x_0 = \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\varepsilon_\theta(x_t,
#   t)}{\sqrt{\bar\alpha_t}} .$$
#
# A noise predictor is a denoiser at every noise level at once. `Diffusion.denoise(y, sigma)`
# uses it on chapter 02's task: an image in $[0, 1]$ with noise of standard deviation
# $\sigma$ is, on the model's scale, $2y - 1 = x_0 + 2\sigma n$; this equals
# $x_t / \sqrt{\bar\alpha_t}$ at the step where $(1 - \bar\alpha_t)/\bar\alpha_t = (2\sigma)^2$,
# so the model sees $\sqrt{\bar\alpha_t}\,(2y - 1)$ and returns $(\hat x_0 + 1)/2$. On noise of
# $\sigma = 25/255$ (chapter 02's test level), PSNR against the clean images:

# %%
# NBVAL_IGNORE_OUTPUT
sigma = 25 / 255
clean = data.x_test[:200].astype(np.float32) / 255
noisy = np.clip(clean + sigma * np.random.default_rng(3).standard_normal(clean.shape), 0, 1)
noisy = noisy.astype(np.float32)
restored = model.denoise(noisy, sigma)
print(f"noisy input:            {metrics.psnr(noisy, clean):.2f} dB")
print(f"Tweedie (diffusion x̂0): {metrics.psnr(restored, clean):.2f} dB")
fig = viz.image_rows({"clean": clean, "noisy σ = 25/255": noisy, "diffusion's Tweedie x̂0":
                      restored}, n=8, size=1.0)

# %% [markdown]
# The benchmark compares this with chapter 02's blind U-Net on the same 1 000 test images
# (`benchmarks/diffusion.py`, keys `tweedie_s25_psnr_db` and `unet_s25_psnr_db`): the measured
# bridge between the chapters. (Clipping the noisy image to $[0, 1]$ makes the noise not quite
# Gaussian at black pixels; both denoisers see the same images.)
#
# ## 6. DDIM: the same model, a deterministic sampler, fewer steps
#
# The loss $L_{simple}$ depends on the forward process only through the marginals
# $q(x_t \mid x_0)$. Song et al. (2021) build *non-Markovian* forward processes with the same
# marginals, so a trained $\varepsilon_\theta$ is valid for all of them; one member has a
# deterministic reverse step (**DDIM**, $\eta = 0$): predict $\hat x_0$, then put it back at
# the lower noise level of an earlier step $t' < t$ with the *same* predicted noise
# (exercise 09.2):
#
# $$x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat x_0 + \sqrt{1 - \bar\alpha_{t'}}\,
#   \varepsilon_\theta(x_t, t).$$
#
# No fresh noise: the map from $x_T$ to the image is a fixed function (an Euler step of an
# ODE, the *probability-flow* ODE, in the variables $x/\sqrt{\bar\alpha}$ and
# $\sqrt{(1-\bar\alpha)/\bar\alpha}$), so the same $x_T$ gives nearly the same image with 10 or 50
# steps, and large jumps between $t$ and $t'$ cost less than for the stochastic chain. The
# same starting noise through both samplers:

# %%
# NBVAL_IGNORE_OUTPUT
step_counts = config.setting("diffusion.compare_steps")  # quick (5, 10, 25), full up to 50
rows = {}
for sampler in ("ddpm", "ddim"):
    for s in step_counts:
        rows[f"{sampler}, {s} steps"] = model.generate(8, steps=s, sampler=sampler, seed=2)
fig = viz.image_rows(rows, n=8, size=0.9, title=f"The same seed, two samplers, "
                                                f"{step_counts[0]} to {step_counts[-1]} steps")

# %% [markdown]
# ## 7. Flow matching: regress a velocity, integrate a straighter path
#
# **Flow matching** (Lipman et al. 2023; *rectified flow*, Liu et al. 2023) skips the chain and
# the ELBO. Join each image $x_0$ to a noise image $\varepsilon$ by a straight line,
# $x_t = (1 - t)\,x_0 + t\,\varepsilon$ for $t \in [0, 1]$, travelled at the constant velocity
# $\frac{d x_t}{dt} = \varepsilon - x_0$. Train a network to predict that velocity from
# where it is:
#
# $$L_{FM} = \mathbb{E}_{x_0, \varepsilon, t \sim U[0,1]}\,\big\lVert v_\theta(x_t, t) -
#   (\varepsilon - x_0)\big\rVert^2 .$$
#
# The minimiser is $v^*(x, t) = \mathbb{E}[\varepsilon - x_0 \mid x_t = x]$, the average
# velocity of all the lines through $x$ at time $t$, and the ODE $\frac{dx}{dt} = v^*(x, t)$
# carries the noise distribution at $t = 1$ exactly onto the data at $t = 0$ (its solutions
# have, at every $t$, the distribution of $x_t$). Sampling integrates it backwards from $x_1 \sim
# \mathcal{N}(0, I)$: **Euler**, $x_{t - h} = x_t - h\,v_\theta(x_t, t)$, or **Heun**
# (Euler, then the average of the slopes at both ends; two network calls per step).
#
# **Why straight paths need fewer steps.** Euler's error per step grows with the path's
# curvature; on a straight line travelled at constant speed it is exact in one step. Each
# training path is straight; the marginal field $v^*$ averages paths that cross, so its
# trajectories bend where they meet. The diffusion ODE's paths are curved even before that
# averaging: $\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon$ is an arc
# from $\varepsilon$ to $x_0$, not a line. *Reflow* — retraining on the model's own
# noise–image pairs — straightens the flow further (09.5). Section 8 measures the effect.

# %%
# NBVAL_IGNORE_OUTPUT
flow, _ = ch09.cached_diffusion(data.x_train, data.y_train, objective="flow", conditional=True,
                                steps=config.setting("diffusion.flow_steps"))
fig = viz.plot_history(flow.training_history, ["loss"],
                       title="Flow matching: the velocity regression loss")
rows = {f"{sampler}, {s} steps": flow.generate(8, steps=s, sampler=sampler, seed=2)
        for sampler in ("euler", "heun") for s in (2, 5, 10, 25)}
fig = viz.image_rows(rows, n=8, size=0.9, title="Flow matching: Euler and Heun, 2 to 25 steps")

# %% [markdown]
# ## 8. Measure: samples against sampling steps
#
# As in chapter 04: the domain classifier's 64-d features, FID against the test images at a
# stated sample count $n$ (compare FIDs at equal $n$ only), and the classifier's class shares.
# Each sampler at several step counts; a network call per step (two per Heun step), so the
# cost of a sample is proportional to the steps. In quick mode the samples are few and the
# models small: read the trend, not the values.

# %%
# NBVAL_IGNORE_OUTPUT
classifier, _ = ch04.cached_classifier(data.x_train, data.y_train)
n_score = config.setting("diffusion.score_size")  # samples per score in this mode
sweep = config.setting("diffusion.sweep_steps")
real_features = classifier.features(data.x_test[:n_score])
rows, fids = [], {}
for name, m, sampler in (("DDPM", model, "ddpm"), ("DDIM", model, "ddim"),
                         ("flow (Euler)", flow, "euler")):
    for s in sweep:
        start = time.perf_counter()
        fake = m.generate(n_score, steps=s, sampler=sampler, seed=5)
        seconds = time.perf_counter() - start
        score = ch04.generative_scores(fake, real_features, classifier)
        fids.setdefault(name, []).append(score["fid"])
        rows.append({"sampler": name, "steps": s, "FID": score["fid"],
                     "recall": score["recall"], "min class": score["min_class_share"],
                     "samples / s": n_score / seconds})
show_table(rows, digits=3)
fig = viz.plot_curves(list(sweep), fids, xlabel="sampling steps",
                      ylabel=f"FID (n = {n_score})", logx=True,
                      title="Sample quality against sampling steps")

# %% [markdown]
# ## 9. Classifier-free guidance: a fidelity/diversity dial
#
# A conditional model predicts $\varepsilon_\theta(x_t, y)$; trained with labels dropped 10 %
# of the time it also predicts $\varepsilon_\theta(x_t, \varnothing)$. **Classifier-free
# guidance** (Ho & Salimans 2022) samples with
#
# $$\tilde\varepsilon = (1 + w)\,\varepsilon_\theta(x_t, y) - w\,\varepsilon_\theta(x_t,
#   \varnothing) = \varepsilon_\theta(x_t, y) + w\,\big(\varepsilon_\theta(x_t, y) -
#   \varepsilon_\theta(x_t, \varnothing)\big),$$
#
# two network calls per step (in one batch). $w = 0$ is the conditional model; $w > 0$ pushes
# further in the direction that the label adds. Since $\varepsilon_\theta = -\sqrt{1 -
# \bar\alpha_t}\,\times$ score (section 5), this is the score of $p_t(x_t \mid y)\,p_t(y \mid
# x_t)^{w}$ (09.C4): the conditional density times an implicit classifier's opinion raised to
# the power $w$, so the samples become more typical of their class (higher fidelity, the
# classifier agrees more) and less varied (lower recall). The sweep below measures both.

# %%
# NBVAL_IGNORE_OUTPUT
labels = np.arange(n_score) % 10
guided_steps = config.setting("diffusion.guided_steps")
rows = []
for w in config.setting("diffusion.guidance"):
    fake = model.generate(n_score, steps=guided_steps, sampler="ddim", labels=labels,
                          guidance=w, seed=6)
    score = ch04.generative_scores(fake, real_features, classifier)
    agree = float(np.mean(classifier.predict_classes(fake) == labels))
    rows.append({"guidance w": w, "class agreement": agree, "FID": score["fid"],
                 "precision": score["precision"], "recall": score["recall"]})
show_table(rows, digits=3)
fig = viz.plot_curves([r["guidance w"] for r in rows],
                      {"classifier agrees with the label": [r["class agreement"] for r in rows],
                       "recall (diversity)": [r["recall"] for r in rows]},
                      xlabel="guidance strength w", ylabel="share",
                      title="Guidance: fidelity to the class against diversity")
fig = viz.image_rows({f"w = {w}": model.generate(10, steps=guided_steps,
                                                 sampler="ddim", labels=np.arange(10),
                                                 guidance=w, seed=7)
                      for w in config.setting("diffusion.guidance")},
                     n=10, size=0.9, title="One sample per class (columns) at each w")

# %% [markdown]
# ## Interactive: scrub the reverse process, steer with guidance
#
# The first explorer generates a few chains once and lets you move along them: the sample
# $x_t$ (top) and the model's current guess of the clean image $\hat x_0$ (bottom). Watch when
# the class is decided and when only details change. The second draws one class at a
# guidance strength of your choice (the same seed throughout: moving the slider changes only
# $w$), and says how often the domain classifier agrees with the requested class.

# %%
# NBVAL_IGNORE_OUTPUT
from unsuplab.widgets import guidance_explorer, reverse_process_explorer  # noqa: E402

reverse_process_explorer(model, n=6, steps=50, sampler="ddim", labels=np.arange(6))

# %%
# NBVAL_IGNORE_OUTPUT
guidance_explorer(model, n=8, steps=guided_steps, class_names=data.class_names,
                  classifier=classifier)

# %% [markdown]
# ## Summary
#
# - The forward process $q(x_t \mid x_{t-1}) = \mathcal{N}(\sqrt{\alpha_t}\,x_{t-1},
#   \beta_t I)$ has the closed form $q(x_t \mid x_0) = \mathcal{N}(\sqrt{\bar\alpha_t}\,x_0,
#   (1 - \bar\alpha_t) I)$: training jumps to any step in one draw.
# - The reverse chain is a latent-variable model; its ELBO is a sum of KLs between Gaussians,
#   each a weighted squared error between the true and the predicted noise. DDPM trains the
#   unweighted version, $\lVert\varepsilon - \varepsilon_\theta(x_t, t)\rVert^2$: a denoiser
#   at every noise level.
# - Tweedie's formula makes a denoiser a score estimate, $\nabla \log p_t(x_t) \approx
#   -\varepsilon_\theta/\sqrt{1 - \bar\alpha_t}$: the diffusion model denoises chapter 02's
#   images, and chapter 02's denoisers were score models.
# - DDIM samples the *same* model deterministically and with far fewer steps; flow matching
#   regresses the velocity of straight noise-to-image paths and integrates an ODE whose
#   trajectories are straighter; classifier-free guidance trades diversity for fidelity with
#   one number.
# - Quick-mode samples are a first look. The full-mode scores (FID against steps for each
#   sampler, guidance, the Tweedie bridge to chapter 02, diffusion against the GANs and the VAE
#   at the same wall-clock budget, the shipped model) are measured by `benchmarks/diffusion.py`
#   and recorded in `benchmarks/RESULTS.md` (section `diffusion`), with the targets
#   and whether each was met.
#
# ### FAQ
#
# **Diffusion, GAN or VAE?** A VAE is a likelihood model with an encoder, trained stably, but
# its samples are blurred means. A GAN samples in one network call and sharply, but training
# is a game that can collapse (chapter 04). A diffusion model trains as stably as a VAE (a
# regression), covers the data (its loss is a bound on the likelihood, up to weights) and
# gives sharp samples, at the price of many network calls per sample.
#
# **Why is sampling slow, and what helps?** Each step is one call of the U-Net (two with
# guidance or Heun); 1 000 ancestral steps cost 1 000 forward passes per image. DDIM and
# flow-matching ODE solvers take large steps; better solvers (Heun, DPM-Solver) reach the same
# quality in tens of steps; *distillation* (progressive distillation, consistency models)
# trains a student to do several teacher steps in one, down to one to four steps.
#
# **What does a step cost on a CPU?** A forward pass of this chapter's U-Net on a batch; the
# benchmark records samples per second per sampler and step count (section 8 measures it
# in this session), so "steps" translates directly into seconds.
#
# **Why predict the noise and not the image?** The three are interchangeable through
# $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon$; what changes is the
# loss's weighting over $t$. Predicting $\varepsilon$ keeps the target at unit variance at
# every step; $x_0$-prediction is the direct denoiser of chapter 02; flow matching's velocity
# $\varepsilon - x_0$ is a mix of both.
#
# ## References
#
# - J. Sohl-Dickstein et al. *Deep unsupervised learning using nonequilibrium
#   thermodynamics.* ICML 2015.
# - J. Ho, A. Jain, P. Abbeel. *Denoising diffusion probabilistic models.* NeurIPS 2020.
# - A. Nichol, P. Dhariwal. *Improved denoising diffusion probabilistic models.* ICML 2021
#   (the cosine schedule).
# - J. Song, C. Meng, S. Ermon. *Denoising diffusion implicit models.* ICLR 2021 (DDIM).
# - Y. Song et al. *Score-based generative modeling through stochastic differential
#   equations.* ICLR 2021.
# - B. Efron. *Tweedie's formula and selection bias.* JASA 2011; H. Robbins, *An empirical
#   Bayes approach to statistics*, 1956.
# - P. Vincent. *A connection between score matching and denoising autoencoders.* Neural
#   Computation 2011.
# - Y. Lipman et al. *Flow matching for generative modeling.* ICLR 2023.
# - X. Liu, C. Gong, Q. Liu. *Flow straight and fast: learning to generate and transfer data
#   with rectified flow.* ICLR 2023.
# - J. Ho, T. Salimans. *Classifier-free diffusion guidance.* 2022.
# - T. Salimans, J. Ho. *Progressive distillation for fast sampling of diffusion models.*
#   ICLR 2022.
# - keras.io examples: *Denoising Diffusion Probabilistic Model*, *Denoising Diffusion
#   Implicit Models*.
#
# ## Exercises
#
# Each checked exercise prints ✅ or ❌ with feedback. Solutions and the answers to the
# questions are in `solutions/ch09.py` and `solutions/answers.md` (for teachers).
#
# **09.1 — The closed-form forward sample.** Write `my_q_sample(x0, alpha_bar, noise)` for
# images `x0` (N, H, W, C) on the $[-1, 1]$ scale, one $\bar\alpha_t$ per image (N,) and a
# noise array like `x0`: return $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,
# \varepsilon$ (NumPy; mind the broadcasting of `alpha_bar`).

# %%
from unsuplab.exercises import check  # noqa: E402


def my_q_sample(x0, alpha_bar, noise):
    ...  # your code here


check("09.1", my_q_sample)

# %% [markdown]
# **09.2 — One DDIM update.** Write `my_ddim_step(x_t, eps, alpha_bar_t, alpha_bar_prev)`: the
# current sample and the predicted noise (arrays), two numbers $\bar\alpha_t <
# \bar\alpha_{t'}$; return $x_{t'}$ — first $\hat x_0$, then the deterministic update of
# section 6.

# %%
def my_ddim_step(x_t, eps, alpha_bar_t, alpha_bar_prev):
    ...  # your code here


check("09.2", my_ddim_step)

# %% [markdown]
# **09.3 — Tweedie's denoiser.** Write `my_tweedie(y, sigma, score)`: noisy values `y`, the
# noise level `sigma` and a function `score(y)` returning $\nabla_y \log p_\sigma(y)$; return
# $\mathbb{E}[x \mid y]$. The checker uses a prior whose posterior mean it knows exactly.

# %%
def my_tweedie(y, sigma, score):
    ...  # your code here


check("09.3", my_tweedie)

# %% [markdown]
# **09.4 — The training step itself.** Write `my_diffusion_loss(model, x0)` with `keras.ops`
# and `keras.random` only (it runs compiled, inside `fit`). For a batch `x0` (N, H, W, C) on
# the $[-1, 1]$ scale: draw a noise image $\varepsilon$ (`keras.random.normal(...,
# seed=model.seed_generator)`) and one step index per image, $i \sim U\{0, \dots, T-1\}$
# (`keras.random.randint(..., 0, model.timesteps, seed=model.seed_generator)`); make $x_t$ in
# closed form with $\bar\alpha$ at those steps (the table `model.alpha_bar`, shape (T,), as a
# tensor: `ops.take`); predict the noise with `model.network([x_t, t])`, where the network's
# time input is $t = (i + 1)/T$; return the mean squared error against $\varepsilon$. The
# checker first inspects one call, then puts your function in the `compute_loss` of a small
# `Diffusion`, trains it next to the library's model and compares the two loss curves.

# %%
def my_diffusion_loss(model, x0):
    ...  # your code here


check("09.4", my_diffusion_loss)

# %% [markdown]
# **09.5 — (open) Reflow.** Generate pairs (noise $x_1$, image $x_0$) with the flow model's
# Euler sampler at 25 steps, and train a second flow model on the straight lines between
# *those* pairs instead of independent ones. Compare the two models' FIDs at 1, 2 and 5 Euler
# steps. Why should the second one need fewer steps, and what does it lose?
#
# ### Conceptual and derivation questions
#
# Pen and paper, no check: reference answers for teachers are in `solutions/answers.md`.
#
# **09.C1 — The closed form.** Prove by induction that $q(x_t \mid x_0) =
# \mathcal{N}(\sqrt{\bar\alpha_t}\,x_0, (1 - \bar\alpha_t) I)$. Why must $\bar\alpha_T$ be
# close to 0, and what goes wrong at sampling time if it is not?
#
# **09.C2 — From the ELBO to the noise loss.** Show that with $\mu_\theta(x_t, t) =
# \frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\,
# \varepsilon_\theta(x_t, t)\big)$ and a fixed variance $\sigma_t^2$, the term $L_{t-1}$ of the
# ELBO equals $\frac{\beta_t^2}{2\sigma_t^2\alpha_t(1 - \bar\alpha_t)}\,\mathbb{E}
# \lVert\varepsilon - \varepsilon_\theta\rVert^2$ plus a constant. What does dropping the
# weight change?
#
# **09.C3 — Tweedie's formula.** Prove $\mathbb{E}[x \mid y] = y + \sigma^2 \nabla_y \log
# p_\sigma(y)$ for $y = x + \sigma n$, $n \sim \mathcal{N}(0, I)$, any prior on $x$
# (differentiate $p_\sigma(y) = \int p(x)\,\mathcal{N}(y; x, \sigma^2 I)\,dx$ under the
# integral). Deduce the score of $p_t$ from the best noise prediction.
#
# **09.C4 — What guidance samples.** Show that $\tilde\varepsilon = (1 + w)\,\varepsilon(x_t,
# y) - w\,\varepsilon(x_t, \varnothing)$ corresponds to the score of a density proportional
# to $p_t(x_t \mid y)\,p_t(y \mid x_t)^{w}$. Why does a large $w$ lower recall, and is that
# density the data's?
