import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models import DEC, ConvAutoencoder
from unsuplab.models.dec import kl_divergence, soft_assignment, target_distribution
from unsuplab.training import fit

SHAPE = (8, 8, 1)


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _tiny(**kwargs):
    return DEC(3, 2, filters=(4, 8), image_shape=SHAPE, seed=0, **kwargs)


def test_soft_assignment_by_hand():
    z = np.array([[0.0, 0.0], [3.0, 0.0]], np.float32)
    mu = np.array([[0.0, 0.0], [1.0, 0.0]], np.float32)
    q = _np(soft_assignment(z, mu, 1.0))
    # alpha = 1: kernel 1 / (1 + d^2); point 0: 1 and 1/2; point 1: 1/10 and 1/5
    np.testing.assert_allclose(q, [[2 / 3, 1 / 3], [1 / 3, 2 / 3]], rtol=1e-6)
    q2 = _np(soft_assignment(z, mu, 2.0))  # alpha = 2: (1 + d^2 / 2)^(-3/2)
    k = (1 + np.array([[0, 1], [9, 4]]) / 2.0) ** -1.5
    np.testing.assert_allclose(q2, k / k.sum(1, keepdims=True), rtol=1e-5)


def test_target_distribution_by_hand_sharpens_and_balances():
    q = np.array([[0.6, 0.4], [0.5, 0.5], [0.9, 0.1]], np.float32)
    f = q.sum(0)
    w = q**2 / f
    np.testing.assert_allclose(target_distribution(q), w / w.sum(1, keepdims=True), rtol=1e-6)
    p = target_distribution(q)
    assert p[2, 0] > q[2, 0]  # confident points become more confident
    with pytest.raises(ValueError, match="q must have rank 2"):
        target_distribution(q[0])


def test_kl_divergence_by_hand():
    p = np.array([[0.5, 0.5], [1.0, 0.0]], np.float32)
    q = np.array([[0.25, 0.75], [0.5, 0.5]], np.float32)
    want = (0.5 * np.log(2) + 0.5 * np.log(0.5 / 0.75) + np.log(2)) / 2
    np.testing.assert_allclose(float(_np(kl_divergence(p, q))), want, rtol=1e-5)


def test_init_from_copies_the_autoencoder_and_centres_come_from_kmeans():
    ae = ConvAutoencoder(2, filters=(4, 8), image_shape=SHAPE)
    dec = _tiny(gamma=0.5).init_from(ae)
    x = np.random.default_rng(0).random((30, *SHAPE)).astype(np.float32)
    np.testing.assert_allclose(dec.encode(x), ae.encode(x), rtol=1e-5, atol=1e-6)
    labels = dec.init_centers(x, n_init=2)
    assert labels.shape == (30,) and dec.predict_proba(x).shape == (30, 3)
    np.testing.assert_allclose(dec.predict_proba(x).sum(1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="latent_dim=2"):
        dec.init_from(ConvAutoencoder(3, filters=(4, 8), image_shape=SHAPE))


def test_idec_weights_the_clustering_term_as_guo_et_al_2017():
    # IDEC: L = L_r + gamma * L_c (reconstruction MSE plus gamma times KL(P || Q)), not
    # L_c + gamma * L_r; plain DEC (gamma=None) is the KL alone, with no decoder.
    x = np.random.default_rng(2).random((16, *SHAPE)).astype(np.float32)
    dec = _tiny()
    assert dec.decoder is None
    p = target_distribution(dec.predict_proba(x))
    kl = float(_np(kl_divergence(p, dec(x))))
    np.testing.assert_allclose(float(_np(dec.compute_loss(x, p, training=False))), kl, rtol=1e-5)
    idec = _tiny(gamma=0.25)
    p = target_distribution(idec.predict_proba(x))
    z = idec.encoder(x, training=False)
    kl = float(_np(kl_divergence(p, soft_assignment(z, idec.centers))))
    rec = float(np.mean((_np(idec.decoder(z, training=False)) - x) ** 2))
    assert abs(kl - rec) > 0.05 * max(kl, rec)  # so the two weightings give different losses
    got = float(_np(idec.compute_loss(x, p, training=False)))
    np.testing.assert_allclose(got, rec + 0.25 * kl, rtol=1e-5)
    assert idec.get_config()["gamma"] == 0.25 and _tiny().get_config()["gamma"] is None


@pytest.mark.parametrize("gamma", [None, 0.5])
def test_training_on_the_target_lowers_the_kl_and_round_trips(tmp_path, gamma):
    config.set_seed(0)
    dec = _tiny(gamma=gamma)
    x = np.random.default_rng(1).random((64, *SHAPE)).astype(np.float32)
    dec.init_centers(x, n_init=2)
    dec.compile(optimizer=keras.optimizers.Adam(1e-3))
    p = target_distribution(dec.predict_proba(x))
    fit(dec, x, p, epochs=3, batch_size=16, verbose=0)
    h = dec.training_history
    assert h["kl_loss"][-1] < h["kl_loss"][0]
    assert ("reconstruction_loss" in h) == (gamma is not None) or h["reconstruction_loss"][0] == 0
    path = tmp_path / "dec.keras"
    dec.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.get_config() == dec.get_config()
    np.testing.assert_array_equal(loaded.predict_proba(x), dec.predict_proba(x))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"alpha": 0}, "alpha must be > 0"), ({"gamma": -1}, "gamma must be > 0"),
    ({"gamma": 0}, "gamma must be > 0")])
def test_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _tiny(**kwargs)
    with pytest.raises(ValueError, match="n_clusters must be >= 2"):
        DEC(1)


def test_fit_without_the_target_distribution_says_so():
    dec = _tiny()
    dec.compile(optimizer="adam")
    x = np.random.default_rng(0).random((8, *SHAPE)).astype(np.float32)
    with pytest.raises(ValueError, match="target distribution P"):
        fit(dec, x, epochs=1, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="n_clusters=3"):
        fit(dec, x, np.full((8, 2), 0.5, np.float32), epochs=1, batch_size=4, verbose=0)
    fresh = _tiny()  # Keras's own fit: refused inside the compiled step
    fresh.compile(optimizer="adam")
    with pytest.raises(ValueError, match="target distribution P"):
        fresh.fit(x, epochs=1, batch_size=4, verbose=0)
