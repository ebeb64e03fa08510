r"""The losses of the chapter's GANs, in ``keras.ops`` (tensors in, scalar tensors out).

``d_real`` and ``d_fake`` are the discriminator's raw outputs (logits; a critic's scores) on a
batch of real and of generated images, shape (N, 1). With :math:`\sigma` the logistic function
and :math:`\operatorname{softplus}(t) = \log(1 + e^t)`:

- ``"minimax"``: :math:`D` minimises :math:`-\mathbb{E}\log\sigma(D(x))
  - \mathbb{E}\log(1-\sigma(D(G(z))))`; :math:`G` minimises
  :math:`\mathbb{E}\log(1 - \sigma(D(G(z))))` (Goodfellow et al.'s original);
- ``"nonsaturating"``: the same :math:`D`; :math:`G` minimises
  :math:`-\mathbb{E}\log\sigma(D(G(z)))`;
- ``"hinge"``: :math:`D` minimises :math:`\mathbb{E}\max(0, 1 - D(x))
  + \mathbb{E}\max(0, 1 + D(G(z)))`; :math:`G` minimises :math:`-\mathbb{E} D(G(z))`;
- ``"wgan-gp"``: the critic minimises :math:`\mathbb{E} D(G(z)) - \mathbb{E} D(x)
  + \lambda\,\mathrm{GP}`; :math:`G` minimises :math:`-\mathbb{E} D(G(z))`.

Using :math:`-\log\sigma(t) = \operatorname{softplus}(-t)` and
:math:`-\log(1 - \sigma(t)) = \operatorname{softplus}(t)` keeps every one finite for any logit.
``minimax`` is Goodfellow et al.'s original generator loss, kept to show why it saturates
(chapter 04); the gradient penalty :math:`\mathrm{GP} = \mathbb{E}(\lVert\nabla_{\hat x}
D(\hat x)\rVert_2 - 1)^2` on random mixtures :math:`\hat x` of real and fake images needs a
gradient, so :class:`~unsuplab.models.GAN` computes it in its backend's training step.
"""

from __future__ import annotations

from keras import ops

LOSSES = ("nonsaturating", "hinge", "wgan-gp", "minimax")


def discriminator_loss(loss, d_real, d_fake):
    """The discriminator's (critic's) loss, without a gradient penalty: a scalar tensor."""
    if loss in ("nonsaturating", "minimax"):
        return ops.mean(ops.softplus(-d_real)) + ops.mean(ops.softplus(d_fake))
    if loss == "hinge":
        return ops.mean(ops.relu(1.0 - d_real)) + ops.mean(ops.relu(1.0 + d_fake))
    if loss == "wgan-gp":
        return ops.mean(d_fake) - ops.mean(d_real)
    raise ValueError(f"Unknown loss; choose one of {LOSSES}. Received: loss={loss!r}")


def generator_loss(loss, d_fake):
    """The generator's loss from the discriminator's logits on its images: a scalar tensor."""
    if loss == "nonsaturating":
        return ops.mean(ops.softplus(-d_fake))
    if loss == "minimax":
        return -ops.mean(ops.softplus(d_fake))  # E log(1 - sigmoid(D)): flat where D wins
    if loss in ("hinge", "wgan-gp"):
        return -ops.mean(d_fake)
    raise ValueError(f"Unknown loss; choose one of {LOSSES}. Received: loss={loss!r}")


def gradient_penalty_from_gradients(gradients):
    r""":math:`\mathbb{E}(\lVert g\rVert_2 - 1)^2` over a batch of input gradients (N, H, W, C)."""
    flat = ops.reshape(gradients, (ops.shape(gradients)[0], -1))
    norm = ops.sqrt(ops.sum(ops.square(flat), axis=1) + 1e-12)
    return ops.mean(ops.square(norm - 1.0))


def mix(real, fake, eps):
    r""":math:`\hat x = \epsilon x + (1 - \epsilon)\tilde x`, ``eps`` of shape (N, 1, 1, 1)."""
    return eps * real + (1.0 - eps) * fake


__all__ = [
    "LOSSES",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty_from_gradients",
    "mix",
]
