# %% [markdown]
# # 03 — Variational autoencoders: the ELBO derived, measured honestly, and explored live
#
# An autoencoder compresses an image to a code and back, but it is not a *generative model*:
# nothing says which codes are valid, so decoding a random code gives garbage. A **variational
# autoencoder** (VAE; Kingma & Welling 2014, Rezende et al. 2014) turns the autoencoder into a
# probabilistic model $p_\theta(x) = \int p_\theta(x \mid z)\,p(z)\,dz$ that we can sample,
# and trains it by maximising a lower bound on the log-likelihood of the data, the **ELBO**.
#
# **Objectives.** Derive the ELBO twice (Jensen's inequality; log-likelihood minus a KL gap);
# compute the Gaussian KL in closed form; see why the reparameterization trick makes the
# bound trainable; train a VAE on binarized Fashion-MNIST; look at a 2-D latent space and
# move through it live; *measure* the log-likelihood honestly, in nats, with the
# importance-weighted bound; see the β trade-off and posterior collapse; compare samples with
# a plain autoencoder's.
#
# **Time:** under a minute in quick mode, 8.3 minutes<!-- results/notebooks_full.json:03_variational_autoencoders_full_s --> in full mode on a 2-core laptop CPU
# (23 s<!-- results/notebooks_quick.json:03_variational_autoencoders_quick_s --> and 498 s<!-- results/notebooks_full.json:03_variational_autoencoders_full_s --> recorded).
# Models are cached (`~/.cache/unsuplab/models`), so a second run takes seconds.
#
# **Quick or full?** `UNSUPLAB_QUICK=1` trains on 5 000 images for a few epochs (a first
# look, CI); unset it for the real results. The values of both modes are in
# `unsuplab.config.SETTINGS` (names starting with `vae.`).
#
# **Full-quality models without the wait** (a class on Binder): `config.use_pretrained()` in
# the set-up cell (or `make lab PRETRAINED=1`; Binder does it by default) loads the shipped
# full-mode models (the 2-D convolutional VAE and the β sweep's 16-d MLP VAEs) instead of training them, in quick mode too;
# their provenance is in `benchmarks/RESULTS.md` (record `pretrained`).
#
# **Class plan.** Lecture (2 × 60 min). First hour: the latent-variable model and the
# schematic (10); the ELBO two ways, and which step shrinks the gap (20); the Gaussian KL and
# the reparameterization trick (15); β and what is still a bound (5); the Bernoulli likelihood
# and binarization (10). Second hour: the 2-D VAE, its learning curves and latent space (15);
# the β trade-off and posterior collapse (15); the IWAE bound and what "never worse" means for
# estimates (20); samples against an autoencoder (10). Lab (90 min): run the notebook and the
# explorers (10), exercises 03.1–03.3 and the model exercise 03.5 (30), the training step
# 03.6 (20), 03.4 (15), conceptual questions 03.C1–03.C4 (15).
#
# **Prerequisites.** Chapter 01 (autoencoders); probability: densities, Bayes' rule,
# expectations, the Gaussian distribution, Jensen's inequality and the KL divergence (C. M.
# Bishop, *Pattern Recognition and Machine Learning*, §1.6 and ch. 2; or *Mathematics for
# Machine Learning*, Deisenroth, Faisal & Ong, ch. 6); Monte Carlo estimates and importance
# sampling (PRML §11.1); Keras `compute_loss`/`train_step` (keras.io, "Customizing what happens
# in fit()", and its *Variational AutoEncoder* example).
#
# **Notation.** As in the collection's table (chapter 00, `NOTATION.md`): code size $d$,
# encoder $q_\phi(z \mid x)$ with outputs $\mu_\phi(x)$, $\log \sigma^2_\phi(x)$, decoder
# $p_\theta(x \mid z)$, prior $p(z) = \mathcal{N}(0, I)$; $\mathcal{L}$ is the ELBO (to
# maximise), $\mathcal{L}_\beta$ and $\mathcal{L}_k$ its $\beta$-weighted and
# importance-weighted versions; $\log$ is natural (nats).

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

from unsuplab import config, metrics, viz
from unsuplab.chapters import ch01, ch03
from unsuplab.models.vae import binarize
from unsuplab.widgets import interpolation_explorer, latent_explorer

config.set_seed(0)
viz.set_style()
print(config.describe())

# The chapter's data and recipes live in `unsuplab.chapters.ch03` (`benchmarks/vae.py` uses the
# same ones): Fashion-MNIST subsets set by the quick/full settings, as float32 images in
# [0, 1], and the binarized test set of section 5.

# %%
# NBVAL_IGNORE_OUTPUT
data03 = ch03.load_data()
x_train, x_eval, y_eval = data03.x_train, data03.x_test, data03.y_test
class_names = data03.class_names
print(f"training images: {len(x_train)}, test images used: {len(x_eval)}")

# %% [markdown]
# ## 1. A latent-variable model
#
# We posit that each image $x$ comes from an unobserved code $z \in \mathbb{R}^d$:
#
# $$z \sim p(z) = \mathcal{N}(0, I), \qquad x \mid z \sim p_\theta(x \mid z),$$
#
# where the *decoder* $p_\theta(x \mid z)$ is a neural network that outputs the parameters of
# a distribution over images. The model's likelihood of an image is then
#
# $$p_\theta(x) = \int p_\theta(x \mid z)\, p(z)\, dz .$$
#
# This integral is over all of $\mathbb{R}^d$ with a neural network inside: no closed form,
# and naive Monte Carlo ($\frac1S\sum_s p_\theta(x \mid z_s)$ with $z_s \sim p(z)$) almost
# never hits the tiny region of codes that explain a given $x$. The posterior
# $p_\theta(z \mid x) = p_\theta(x \mid z)p(z)/p_\theta(x)$ is just as intractable.
#
# The VAE's answer: an *encoder* $q_\phi(z \mid x) = \mathcal{N}\big(\mu_\phi(x),
# \operatorname{diag}\sigma^2_\phi(x)\big)$ that guesses, for each image, where its codes are —
# one network for all images (*amortized* inference). In a diagram (left, the graphical model
# as Kingma & Welling draw it; right, the network we train):

# %%
fig = viz.schematic("vae")

# %% [markdown]
# ## 2. The evidence lower bound, two ways
#
# **From Jensen's inequality.** Multiply and divide by $q_\phi(z \mid x)$ inside the integral,
# then use that $\log$ is concave, $\log \mathbb{E}[Y] \ge \mathbb{E}[\log Y]$:
#
# $$\log p_\theta(x) = \log \mathbb{E}_{q_\phi(z \mid x)}\!\left[\frac{p_\theta(x \mid z)\,p(z)}
# {q_\phi(z \mid x)}\right] \;\ge\; \mathbb{E}_{q_\phi(z \mid x)}\!\left[\log
# \frac{p_\theta(x \mid z)\,p(z)}{q_\phi(z \mid x)}\right] =: \mathcal{L}(x).$$
#
# **As log-likelihood minus a gap.** Write $\log p_\theta(x) = \log p_\theta(x, z) - \log
# p_\theta(z \mid x)$ (true for every $z$), add and subtract $\log q_\phi(z \mid x)$ and take
# the expectation under $q_\phi$:
#
# $$\log p_\theta(x) = \underbrace{\mathbb{E}_{q}\!\left[\log \frac{p_\theta(x, z)}
# {q_\phi(z \mid x)}\right]}_{\mathcal{L}(x)} + \underbrace{\mathrm{KL}\big(q_\phi(z \mid x)
# \,\|\, p_\theta(z \mid x)\big)}_{\ge 0} .$$
#
# So the bound is tight exactly when the encoder matches the true posterior. Since
# $\log p_\theta(x)$ does not depend on $\phi$, a step in $\phi$ (at fixed $\theta$) that
# raises $\mathcal{L}$ shrinks the gap, and only that. A step in $\theta$ raises
# $\mathcal{L} = \log p_\theta(x) - \text{gap}$ any way it can: by raising the likelihood, or
# by moving to a model whose true posterior the encoder fits better — even at a *lower*
# likelihood (question 03.C2). Maximising over both does not in general shrink the gap.
# Splitting $\log p_\theta(x, z) = \log p_\theta(x \mid z) + \log p(z)$ gives the form we
# train:
#
# $$\mathcal{L}(x) = \underbrace{\mathbb{E}_{q_\phi(z \mid x)}\big[\log p_\theta(x \mid z)
# \big]}_{\text{reconstruction}} - \underbrace{\mathrm{KL}\big(q_\phi(z \mid x) \,\|\, p(z)
# \big)}_{\text{rate}} .$$
#
# The first term is an autoencoder's reconstruction loss (for a Bernoulli decoder, the binary
# cross-entropy summed over pixels); the second keeps each image's codes close to the prior,
# so that *every* region of latent space decodes to something.

# %% [markdown]
# ## 3. The KL between two Gaussians, in closed form
#
# For one dimension, $q = \mathcal{N}(\mu, \sigma^2)$ and $p = \mathcal{N}(0, 1)$:
#
# $$\mathrm{KL}(q \,\|\, p) = \mathbb{E}_q\!\left[\log q(z) - \log p(z)\right]
# = \mathbb{E}_q\!\left[-\tfrac12\log\sigma^2 - \tfrac{(z-\mu)^2}{2\sigma^2} + \tfrac{z^2}{2}
# \right] = \tfrac12\left(\sigma^2 + \mu^2 - 1 - \log\sigma^2\right),$$
#
# using $\mathbb{E}_q[(z-\mu)^2] = \sigma^2$ and $\mathbb{E}_q[z^2] = \sigma^2 + \mu^2$. With a
# diagonal covariance, the KL is the sum over the $d$ dimensions. It is 0 only for $\mu = 0,
# \sigma = 1$: the encoder then says nothing about the image. The encoder outputs
# $\log\sigma^2$ (any real number) rather than $\sigma$ (must be positive). You implement this
# in exercise 03.1.

# %% [markdown]
# ## 4. The reparameterization trick
#
# The reconstruction term is an expectation under $q_\phi$, and we need its gradient in
# $\phi$. Sampling $z \sim q_\phi$ is not differentiable, but we can move the randomness
# out of the parameters:
#
# $$z = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon, \qquad \varepsilon \sim \mathcal{N}(0,
# I), \qquad \sigma = e^{\frac12 \log \sigma^2} .$$
#
# Now $\mathbb{E}_{q_\phi}[f(z)] = \mathbb{E}_{\varepsilon}[f(\mu_\phi + \sigma_\phi \odot
# \varepsilon)]$ and the gradient passes through $\mu$ and $\sigma$ by the chain rule; one
# sample of $\varepsilon$ per image gives an unbiased gradient estimate, whose variance is
# usually far lower than that of the score-function (REINFORCE) estimator. In
# `unsuplab.models.VAE` the noise comes from `keras.random.normal` with the model's own
# `SeedGenerator` (its seed is part of the saved model), so a run repeats exactly. Exercise
# 03.2 asks you for this one line.
#
# **β-VAE.** Higgins et al. (2017) weight the KL term: $\mathcal{L}_\beta = \mathbb{E}_q[\log
# p_\theta(x \mid z)] - \beta\,\mathrm{KL}(q \,\|\, p)$. β > 1 pushes codes towards the prior
# (smoother, sometimes more disentangled, blurrier); β < 1 favours reconstruction. Since
# $\mathcal{L}_\beta = \mathcal{L} - (\beta - 1)\,\mathrm{KL}$ and $\mathrm{KL} \ge 0$, every
# β ≥ 1 still gives a bound, $\mathcal{L}_\beta \le \mathcal{L} \le \log p_\theta(x)$ (a
# looser one as β grows); only β < 1 can exceed $\log p_\theta(x)$ (question 03.C1). β = 1 is
# the tightest of these bounds — which is why we always *evaluate* with β = 1.

# %% [markdown]
# ## 5. Binary pixels: the Bernoulli likelihood and dynamic binarization
#
# We model each pixel as a coin: $p_\theta(x \mid z) = \prod_p \pi_p^{x_p}(1 - \pi_p)^{1 -
# x_p}$ with $\pi = \operatorname{sigmoid}(\text{decoder}(z))$. That is a probability only for
# *binary* $x$, so, as in the literature, images are binarized: pixel $p$ becomes 1 with
# probability equal to its grey level. In training a **fresh** binarization of every batch
# is drawn (*dynamic binarization*, a strong regulariser): `VAE(binarize=True)` draws it inside
# its loss, from its own seed generator, so it runs the same on every Keras backend. For
# evaluation, the test set is binarized **once, with seed 0** (`ch03.load_data()` does it),
# and every number below refers to that fixed binary test set. (For grey levels
# `VAE(likelihood="gaussian")` uses a Gaussian with a learned σ.)

# %%
x_eval_bin = data03.x_test_bin  # THE evaluation set: binarize(x_eval, seed=0), once
row = x_eval[:8]
fig = viz.image_rows({"grey": row, "binarized (seed 0)": x_eval_bin[:8],
                      "another draw": binarize(row, seed=1)}, n=8,
                     title="Binarization keeps the shapes: each pixel is 1 with probability = grey level")

# %% [markdown]
# ## 6. Train a 2-D convolutional VAE
#
# `ch03.cached_vae` builds a `VAE(binarize=True)` (two stride-2 convolutions and a dense layer,
# `unsuplab.networks.conv_encoder`, mirrored in the decoder), trains it with Adam through
# `unsuplab.training.fit` (each batch binarized afresh inside the loss), scores the binarized
# test set after every epoch, and caches it. The logs show the total loss (the negative ELBO,
# in nats per image) with its two parts, and the same on the test set (`val_loss`): the
# learning curves.

# %%
# NBVAL_IGNORE_OUTPUT
vae2, trained = ch03.cached_vae(x_train, latent_dim=2, architecture="conv",
                                validation_data=x_eval_bin)  # epochs: vae.epochs
print("trained now" if trained else "the shipped full-mode model" if hasattr(vae2, "pretrained")
      else "loaded from the cache", "|", vae2.count_params(), "weights")
fig = viz.plot_history(vae2.training_history,
                       ["loss", "val_loss", "reconstruction_loss", "kl_loss"],
                       title="2-D VAE: −ELBO = reconstruction + KL (nats per image)")

# %% [markdown]
# ## 7. The 2-D latent space
#
# With two latent dimensions we can *see* the whole model. Left: the posterior means
# $\mu_\phi(x)$ of the test images, coloured by class (the VAE never saw a label). Right: the
# decoded **manifold**: a grid of codes at the quantiles $\Phi^{-1}(u)$ of the prior (so each
# cell has the same prior mass, as in Kingma & Welling's figure), each decoded to
# $\mathbb{E}[x \mid z]$. The cells are not evenly spaced in $z$ (they crowd near 0), so the
# axes are labelled with the code values of the cells themselves.

# %%
mean2 = vae2.encode(x_eval_bin)  # a VAE's code: the posterior mean
fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
viz.scatter_2d(mean2, y_eval, class_names=class_names, ax=axes[0], s=3,
               title="Test images in latent space (posterior means)")
viz.latent_grid(vae2.decode, n=15, quantiles=True, span=(0.03, 0.97), ax=axes[1],
                title="Decoded manifold (grid at prior quantiles)")
fig.tight_layout()

# %% [markdown]
# Classes form regions (trousers, bags, footwear apart; tops, pullovers, coats and shirts
# overlap — they look alike at 28×28), and the grid morphs smoothly from one kind of
# garment to another: every point decodes to something plausible, because the KL term packed
# the codes around the origin. Two numbers squeeze a whole wardrobe, so images are blurry.

# %% [markdown]
# ## 8. Explore the latent space live
#
# The latent explorer of chapter 01, on the VAE. Pick a test image: its code is the black dot
# on the latent plane (bottom left). Choose an axis ($z_1$ or $z_2$, ranked by their KL) and
# move the step: the cross walks along it, and the decoder draws the image at the cross, as you
# move. (In a static rendering only the first figure shows; run the notebook to play.)

# %%
n_explore = config.setting("vae.explorer_images")  # test images on the code map
pad = latent_explorer({"2-D VAE": vae2}, x_eval[:n_explore], labels=y_eval[:n_explore],
                      class_names=class_names, basis="axes")
pad.set(direction=2, step=-1.5)  # a few moves from code, as a student would with the mouse
pad

# %% [markdown]
# **Interpolation.** Choose two test images: the top row decodes points on the straight line
# between their codes, the bottom row blends their pixels. The latent path passes through
# plausible garments; the pixel blend is a double exposure.

# %%
walk = interpolation_explorer(vae2, x_eval, y_eval, class_names=class_names, steps=9)
walk.set(a=int(np.flatnonzero(y_eval == 7)[0]), b=int(np.flatnonzero(y_eval == 3)[0]))
walk

# %% [markdown]
# ## 9. The β trade-off: reconstruction against KL
#
# Now a richer model: 16 latent dimensions, and a small MLP (two layers of 200 tanh units
# each way, like Burda et al. 2016) so that we can afford several models. We train one per β
# and measure, on the binarized test set, the two terms of the bound: the **distortion**
# $D = -\mathbb{E}_q \log p(x \mid z)$ and the **rate** $R = \mathrm{KL}(q \,\|\, p)$ (Alemi et
# al. 2018). β sets the exchange rate between them: each β picks one point of a curve.

# %%
# NBVAL_IGNORE_OUTPUT
betas = config.setting("vae.betas")
sweep = {}
for beta in betas:
    sweep[beta], _ = ch03.cached_vae(x_train, latent_dim=16, architecture="mlp", beta=beta,
                                     validation_data=x_eval_bin)  # epochs: vae.sweep_epochs
terms = {beta: metrics.elbo_terms(m, x_eval_bin, seed=0) for beta, m in sweep.items()}
for beta, t in terms.items():
    print(f"beta={beta:<5} distortion {t['reconstruction'].mean():7.1f}  rate {t['kl'].mean():6.2f}"
          f"  -ELBO {-t['elbo'].mean():7.1f} nats/image")
fig = viz.plot_history(sweep[1.0].training_history, ["loss", "val_loss"],
                       title="16-D MLP VAE, β = 1: −ELBO per epoch (training, test)")

# %%
rates = [terms[b]["kl"].mean() for b in betas]
distortions = [terms[b]["reconstruction"].mean() for b in betas]
fig, ax = plt.subplots(figsize=(5.5, 4))
ax.plot(rates, distortions, marker="o", color=viz.PALETTE[0])
for b, r, d in zip(betas, rates, distortions, strict=True):
    ax.annotate(f"β={b:g}", (r, d), textcoords="offset points", xytext=(6, 4), fontsize=9)
ax.set_xlabel("rate: KL(q ‖ p), nats per image")
ax.set_ylabel("distortion: −E log p(x|z), nats per image")
ax.set_title("The β trade-off (binarized test set, seed 0)")
fig.tight_layout()

# %%
fig = viz.image_rows({f"β={b:g}": sweep[b].sample(10, seed=1) for b in betas}, n=10,
                     title="Samples from the prior, decoded (pixel probabilities)")

# %% [markdown]
# Small β: low distortion, high rate — sharp reconstructions, but the codes spread beyond the
# prior and prior samples get worse. Large β: codes hug the prior, reconstructions and samples
# blur towards average garments.

# %% [markdown]
# ## 10. Posterior collapse: what it looks like, how to spot it
#
# A latent dimension **collapses** when its posterior equals the prior for every image:
# $q(z_j \mid x) = \mathcal{N}(0, 1)$, its KL is 0 and the decoder ignores it. Some of this
# is healthy (the model uses only the dimensions it needs); with a large β or a very powerful
# decoder, it can swallow *all* of them, and the VAE becomes a generator that ignores its
# input. Two diagnostics, both cheap: the **KL of each dimension**, and Burda et al.'s
# **activity** $A_j = \operatorname{Var}_x \mathbb{E}_q[z_j]$ (active if $> 0.01$).

# %%
beta_hi = max(betas)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.3), sharey=True)
for ax, beta in zip(axes, (1.0, beta_hi), strict=True):
    kl_dims = metrics.kl_per_dimension(sweep[beta], x_eval_bin)
    active = metrics.active_units(sweep[beta], x_eval_bin)
    order = np.argsort(-kl_dims)
    ax.bar(np.arange(1, 17), kl_dims[order], color=viz.PALETTE[0 if beta == 1.0 else 3])
    ax.set_title(f"β={beta:g}: {active} of 16 units active")
    ax.set_xlabel("latent dimension (sorted by KL)")
axes[0].set_ylabel("KL per dimension (nats)")
fig.tight_layout()

# %% [markdown]
# How to spot it in practice:
#
# * `kl_loss` in the training logs falls towards 0 and stays there;
# * the per-dimension KL (above) has many dimensions near zero; `metrics.active_units`
#   counts the others;
# * reconstructions of different images look alike (the decoder ignores $z$);
# * in the explorer below, walking along a collapsed dimension changes nothing. The
#   directions are the latent axes ranked by KL (the title gives each one's KL): the first
#   ones move the image, the last ones don't. It starts three standard deviations along the
#   last axis of the model with the largest β.
#
# Remedies (try them in the exercises' spirit): β < 1 or *KL annealing* (start β at 0 and raise
# it), *free bits* (no penalty below a few nats per dimension), a weaker decoder.

# %%
sliders = latent_explorer({f"β={b:g}": sweep[b] for b in (1.0, beta_hi)},
                          x_eval_bin[:n_explore], labels=y_eval[:n_explore],
                          class_names=class_names, n_directions=16, basis="axes")
sliders.set(direction=16, step=3.0)
sliders

# %% [markdown]
# ## 11. Measuring the likelihood honestly: ELBO vs importance weighting
#
# The ELBO is only a *bound*: reporting −ELBO as "the" negative log-likelihood overstates it
# by the gap $\mathrm{KL}(q \,\|\, p(z \mid x))$. Burda et al. (2016) tighten it with $k$
# importance samples:
#
# $$\mathcal{L}_k(x) = \mathbb{E}\Big[\log \frac1k \sum_{i=1}^k \frac{p_\theta(x \mid z_i)\,
# p(z_i)}{q_\phi(z_i \mid x)}\Big], \qquad z_i \sim q_\phi(z \mid x),$$
#
# with $\mathcal{L}_1 = \mathcal{L} \le \mathcal{L}_k \le \mathcal{L}_{k+1} \le \log
# p_\theta(x)$, and $\mathcal{L}_k \to \log p_\theta(x)$ as $k \to \infty$ when the weights
# $p_\theta(x, z)/q_\phi(z \mid x)$ are bounded. These hold for the *expectations*: what we
# compute are Monte Carlo estimates, one draw of $k$ samples per image averaged over a few
# hundred images, and two estimates with nearby $k$ can come out in either order
# (question 03.C3). The difference between −ELBO and a large $k$ is several nats, far above
# that noise, and that is what the assertion below checks. `metrics.iwae_nll` computes
# $-\mathcal{L}_k$ in nats per image, in chunks so that $k = 1000$ fits in memory (it costs $k$
# decoder passes per image, so we use a subset of the test set here; the benchmark uses
# more). In full mode, the subset has 500 images, $k$ goes to 1000.

# %%
# NBVAL_IGNORE_OUTPUT
x_iw = x_eval_bin[: config.setting("vae.iwae_size")]
model = sweep[1.0]
neg_elbo = -metrics.elbo(model, x_iw, n_samples=10, seed=0)
rows = [("−ELBO (10 samples, closed-form KL)", neg_elbo)]
for k in config.setting("vae.iwae_ks"):
    rows.append((f"IWAE, k = {k}", metrics.iwae_nll(model, x_iw, k=k, seed=0)))
for name, value in rows:
    print(f"{name:>36}: {value:7.2f} nats/image")
print(f"on {len(x_iw)} binarized test images (seed 0); β = 1, 16-D MLP VAE")
assert rows[-1][1] <= neg_elbo, "the importance-weighted estimate must not be worse than −ELBO"

# %% [markdown]
# The estimates decrease with $k$ and stay below −ELBO: the encoder's posterior is not the
# true one, and a few nats of the bound were only the gap. *Report the IWAE estimate (with
# its k) as the model's NLL, and −ELBO as what was optimised.* For comparison, Burda et al.'s
# VAE is not the same model: it has the same deterministic layers (two of 200 tanh units each
# way) but a 50-dimensional code (ours: 16), was trained for 3 280 passes over binarized
# **MNIST** digits (not Fashion-MNIST, whose garments cost many more nats), and reaches
# 86.76 nats at k = 5000; see
# `benchmarks/vae.py` for our Fashion-MNIST numbers and an MNIST run when it can be
# downloaded.

# %% [markdown]
# ## 12. Samples: the VAE against a plain autoencoder
#
# Chapter 01's dense autoencoder with the same layers (200–200 tanh units, 16-D code), trained
# with chapter 01's recipe (MSE on grey images), has no prior: to sample it we must guess where
# codes live. The fairest simple guess fits a Gaussian to
# the codes of the training images and decodes draws from it. The VAE just decodes
# $z \sim \mathcal{N}(0, I)$.

# %%
# NBVAL_IGNORE_OUTPUT
ae = ch01.train_autoencoder("dense", 16, x_train, epochs=config.setting("vae.sweep_epochs"),
                            hidden_units=(200, 200), activation="tanh", seed=0)
print("autoencoder:", type(ae).__name__, ae.count_params(), "weights")

# %%
codes = ae.encode(x_train[:5000])
rng = np.random.default_rng(2)
z_ae = rng.multivariate_normal(codes.mean(0), np.cov(codes, rowvar=False), size=10)
fig = viz.image_rows({"VAE, z ~ N(0, I)": sweep[1.0].sample(10, seed=2),
                      "AE, z ~ fitted Gaussian": ae.decode(z_ae.astype(np.float32))},
                     n=10, title="Samples: a VAE is a generative model, an autoencoder is not")

# %% [markdown]
# (In quick mode both models are barely trained and the contrast is weak: run in full mode.)
# The autoencoder's codes lie on a thin, curved set with holes: most of a Gaussian's draws
# fall off it, and decode to smudges mixing several garments. The VAE's KL term trained the
# encoder to fill the prior, so its draws decode to clothes (blurry ones: the price of a
# pixel-wise likelihood and of the bound's KL).

# %% [markdown]
# ## Summary
#
# * A VAE is a latent-variable model $p_\theta(x) = \int p_\theta(x \mid z)p(z)dz$ trained by
#   maximising the ELBO $= \mathbb{E}_q[\log p_\theta(x \mid z)] - \mathrm{KL}(q \,\|\, p)
#   = \log p_\theta(x) - \mathrm{KL}(q \,\|\, p_\theta(z \mid x))$.
# * The Gaussian KL has a closed form; the reparameterization $z = \mu + \sigma \odot
#   \varepsilon$ makes the expectation differentiable.
# * Binarize dynamically in training and *once, with a stated seed* for evaluation; report
#   nats per image. −ELBO over-states the NLL; the importance-weighted bound with $k$ samples
#   is tighter, and never worse *in expectation* (Monte Carlo estimates with nearby $k$ can
#   cross).
# * β trades reconstruction against rate; too much KL pressure collapses latent dimensions
#   (KL per dimension ≈ 0, inactive units) — measure it, don't guess.
# * The prior makes the VAE a generator: its samples and interpolations stay on the data
#   manifold, where a plain autoencoder's do not.

# %% [markdown]
# ## FAQ
#
# **What is the difference between an autoencoder, a GAN and a VAE?** All three learn without
# labels. An *autoencoder* learns a deterministic code that reconstructs its input: good for
# compression, features, denoising; it defines no distribution, so it cannot be sampled
# reliably (section 12). A *VAE* is a probabilistic autoencoder: encoder and decoder define a
# distribution over images, trained by a bound on the likelihood; it can be sampled, it gives
# likelihood numbers you can compare (in nats), and its codes are regular, but its samples are
# blurry. A *GAN* (chapter 04) has a generator and a discriminator trained against each
# other; its samples are sharp, but it has no encoder, no likelihood to measure, and it can
# drop whole modes of the data.
#
# **How does a VAE differ from an autoencoder in practice?** Three changes: the encoder
# outputs a distribution (mean and log-variance) instead of a point; a code is *sampled* from
# it during training (reparameterized); and the loss adds the KL to the prior. Without the KL
# (β = 0) the variance shrinks to ~0 and you are back to an autoencoder.
#
# **Does a VAE "minimise the KL between the decoder's distribution and the data"?** Not
# directly, a common misreading: it maximises a lower bound on the data's log-likelihood,
# whose KL term is between the *encoder's* posterior and the *prior*. Maximising the
# likelihood is equivalent to minimising KL(data ‖ model), which the bound approximates.
#
# **Why are VAE samples blurry?** The pixel-wise likelihood (Bernoulli or Gaussian) treats
# pixels as independent given $z$: with an uncertain $z$, the best guess is an average.
# Richer decoders (autoregressive, hierarchical latents) and smaller β sharpen them.
#
# **Do VAEs suffer from mode collapse like GANs?** They suffer from *posterior collapse*
# (section 10) rather than mode collapse: the likelihood term punishes ignoring any training
# image, so VAEs cover the data, blurrily.
#
# **Why is my ELBO on grey-level images positive / not comparable with papers?** A Gaussian
# likelihood is a *density*: its values can exceed 1, so its "log-likelihood" can be
# positive and depends on the pixel scale. Comparable numbers need a discrete likelihood:
# binarized images with a Bernoulli decoder (as here), or grey levels *dequantised* — uniform
# noise added to the 256 levels, the density's log-likelihood minus $D \log 256$ — which
# lower-bounds a discrete log-likelihood and is reported in bits per dimension (Theis et al.
# 2016; question 03.C4).

# %% [markdown]
# ## References
#
# * D. P. Kingma, M. Welling. *Auto-Encoding Variational Bayes.* ICLR 2014.
# * D. J. Rezende, S. Mohamed, D. Wierstra. *Stochastic Backpropagation and Approximate
#   Inference in Deep Generative Models.* ICML 2014.
# * Y. Burda, R. Grosse, R. Salakhutdinov. *Importance Weighted Autoencoders.* ICLR 2016.
# * I. Higgins et al. *β-VAE: Learning Basic Visual Concepts with a Constrained Variational
#   Framework.* ICLR 2017.
# * A. Alemi et al. *Fixing a Broken ELBO.* ICML 2018.
# * O. Rybkin, K. Daniilidis, S. Levine. *Simple and Effective VAE Training with Calibrated
#   Decoders.* ICML 2021.
# * F. Chollet. *Variational AutoEncoder* (keras-io example).
# * M. E. Tipping, C. M. Bishop. *Probabilistic principal component analysis.* J. Royal
#   Statistical Society B 61, 1999 (the linear-Gaussian ancestor of the VAE, chapter 01).
# * C. Cremer, X. Li, D. Duvenaud. *Inference suboptimality in variational autoencoders.*
#   ICML 2018 (the gap: approximation and amortization).
# * S. R. Bowman et al. *Generating sentences from a continuous space.* CoNLL 2016 (KL
#   annealing); D. P. Kingma et al. *Improved variational inference with inverse
#   autoregressive flow.* NeurIPS 2016 (free bits).
# * L. Theis, A. van den Oord, M. Bethge. *A note on the evaluation of generative models.*
#   ICLR 2016 (dequantisation, bits per dimension).
# * K. Sohn, H. Lee, X. Yan. *Learning structured output representation using deep
#   conditional generative models.* NeurIPS 2015 (the conditional VAE).
#
# ## Exercises
#
# Write your answer in each cell, then run the `check` line: it says ✅ or gives specific
# feedback (it never shows the solution).
#
# **03.1 — The Gaussian KL.** Implement `gaussian_kl(mean, log_var)`: for arrays of shape
# (N, L), return $\mathrm{KL}(\mathcal{N}(\mu, \operatorname{diag} e^{\log\sigma^2}) \,\|\,
# \mathcal{N}(0, I))$ per row, shape (N,) (section 3).

# %%
from unsuplab.exercises import check


def gaussian_kl(mean, log_var):
    ...  # your code: one KL per row


check("03.1", gaussian_kl)

# %% [markdown]
# **03.2 — The reparameterized sample.** Implement `reparameterize(mean, log_var, eps)`,
# returning $z$ from the standard-normal noise `eps` you are given (section 4).

# %%
def reparameterize(mean, log_var, eps):
    ...  # your code


check("03.2", reparameterize)

# %% [markdown]
# **03.3 — The importance-weighted bound, without underflow.** `log_w` has shape (k, N): the
# log-weights $\log w_i$ of $k$ samples for each of N images. Return $\log \frac1k \sum_i
# w_i$ per image. Real log-weights are around −300 nats: make it work there (section 11).

# %%
def iwae_bound(log_w):
    ...  # your code


check("03.3", iwae_bound)

# %% [markdown]
# **03.5 — The negative ELBO, inside the VAE's `compute_loss`.** Write
# `negative_elbo(x, logits, mean, log_var)` with `keras.ops` only: `x` a batch of binary images
# (N, H, W, 1), `logits` the decoder's output for one sample $z \sim q(z \mid x)$, `mean` and
# `log_var` the posterior's parameters (N, L); return the mean over the batch of
# $-\log p(x \mid z) + \mathrm{KL}(q(z \mid x) \,\|\, p(z))$, with the Bernoulli
# $-\log p(x \mid z) = \sum_{\text{pixels}} \big(\operatorname{softplus}(l) - x\,l\big)$
# written from the logits $l$ (stable even for $|l| = 60$, where $\log \sigma(l)$ is not). The
# check compiles it, puts it in the `compute_loss` of a small `VAE`,
#
# ```python
# class MyVAE(VAE):
#     def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
#         mean, log_var = self.encoder(x)
#         z = self.reparameterize(mean, log_var)
#         return negative_elbo(x, self.decoder(z), mean, log_var)
# ```
#
# trains it for a few steps and compares its weights with the library's VAE trained alike.

# %%
from keras import ops  # noqa: F401 (your code uses ops.*)


def negative_elbo(x, logits, mean, log_var):
    ...  # your code here


check("03.5", negative_elbo)

# %% [markdown]
# **03.6 — The VAE's training step, from the encoder to the update.** Now the whole step that
# `VAE.train_step` runs, for any encoder and decoder: `vae_train_step(encoder, decoder,
# optimizer, x, eps)`. `encoder(x)` returns the posterior's `mean` and `log_var` (N, L); draw
# $z$ from them by the reparameterisation with the given standard-normal `eps` (N, L), so that
# $z$ stays a differentiable function of the encoder's outputs; `decoder(z)` returns Bernoulli
# logits for the binary images `x` (N, 28, 28, 1). The loss is the negative ELBO of 03.5: the
# reconstruction term summed over the pixels plus the KL, each averaged over the batch. Take
# one `optimizer` step on the encoder's *and* the decoder's variables and return
# `(loss, reconstruction, kl)`. Gradients come from `value_and_grad(loss_fn, variables,
# has_aux=True)`: your `loss_fn()` (no arguments) returns `(loss, (reconstruction, kl))`, and
# `value_and_grad` returns `((loss, (reconstruction, kl)), grads)` (a `tf.GradientTape` on
# TensorFlow, `jax.value_and_grad` on JAX, so your step runs on both); apply the gradients
# with `optimizer.apply(grads, variables)`. The check runs three of your steps next to the
# reference's from the same weights, images and noise, then trains your step (compiled) for 300
# steps on binarised Fashion-MNIST (a few seconds) and compares the held-out negative ELBO with
# the reference's. Why must $z$ be computed inside `loss_fn`, and what would the encoder learn
# if the KL term were left out?

# %%
from unsuplab.exercises import value_and_grad  # noqa: E402, F401


def vae_train_step(encoder, decoder, optimizer, x, eps):
    ...  # your code here (about 15 lines)


check("03.6", vae_train_step)

# %% [markdown]
# **03.4 — (open, discussion: no check) Explore.** (a) Retrain the 2-D VAE with `beta=4` and with `beta=0.25`
# (`ch03.cached_vae(..., beta=...)`) and compare the scatter plots: which classes merge? (b) Train
# a 32-D MLP VAE three times, for 2, 10 and 30 epochs (`ch03.train_vae(x_train, latent_dim=32,
# architecture="mlp", epochs=...)`, a few seconds each in quick mode), and count its active
# units each time (`metrics.active_units(model, x_eval)`). When do units switch off, and why
# does it take training? (c) KL annealing: `model.beta` is a Python number
# read when Keras traces the training step, so changing it from a callback between epochs has
# no effect. How would you make it work? (Hint: a non-trainable `keras.Variable`.)

# %% [markdown]
# ### Conceptual and derivation questions
#
# Pen and paper, no check: reference answers for teachers are in `solutions/answers.md`.
#
# **03.C1 — Which β give a bound?** Show that $\mathcal{L}_\beta \le \mathcal{L} \le
# \log p_\theta(x)$ for every $\beta \ge 1$. Then find a model and an encoder for which
# $\mathcal{L}_0 > \log p_\theta(x)$ (hint: a one-dimensional linear-Gaussian model, and an
# encoder that concentrates on the best code).
#
# **03.C2 — Which step shrinks the gap?** From $\log p_\theta(x) = \mathcal{L} +
# \mathrm{KL}(q_\phi(z \mid x) \,\Vert\, p_\theta(z \mid x))$, show that maximising
# $\mathcal{L}$ over $\phi$ at fixed $\theta$ minimises the gap, and explain how a step in
# $\theta$ can raise $\mathcal{L}$ while *lowering* the likelihood. What does posterior
# collapse look like in this decomposition?
#
# **03.C3 — "Never worse", in expectation.** Prove $\mathcal{L}_k \le \log p_\theta(x)$ and
# $\mathcal{L}_m \le \mathcal{L}_k$ for $m < k$ (hint: the mean of $k$ weights is the average
# of the means of its subsets of size $m$). Why can two Monte Carlo estimates, for $k$ and
# $k + 1$, come out in the wrong order? When is the assertion in section 11 safe?
#
# **03.C4 — Nats on grey levels.** Why is a Gaussian decoder's log-likelihood on grey-level
# images in $[0, 1]$ not comparable across papers? Show that for uniformly dequantised images
# $y = (x + u)/256$, $\mathbb{E}_u[\log p(y)] - D \log 256$ is a lower bound on the
# log-probability of a discrete model of $x$.
