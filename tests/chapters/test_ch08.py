"""Chapter 08 protocol on tiny subsets: draws, every method, the summary, augmentation."""

import numpy as np
import pytest

from unsuplab import config
from unsuplab.chapters import ch08


@pytest.fixture(scope="module")
def tiny():
    with config.use_mode("quick"):
        return ch08.load_data(train_size=300, test_size=100)


def test_load_data_and_pixels(tiny):
    assert tiny.x_train.shape == (300, 28, 28, 1) and tiny.x_train.dtype == np.uint8
    assert np.all(np.bincount(tiny.y_train) == 30) and len(tiny.class_names) == 10
    f = ch08.Pixels().encode(tiny.x_test)
    assert f.shape == (100, 784) and f.dtype == np.float32 and f.max() <= 1.0


def test_protocol_runs_every_method_and_summarizes(tiny):
    with config.use_mode("quick"):
        feats = {name: ch08.features(name, tiny) for name in ("pixels", "pca")}
        feats["pca"].train  # noqa: B018 (computed)
        pairs = [("pixels", "probe"), ("pca", "spreading"), ("pixels", "scratch")]
        records = ch08.run_protocol(tiny, feats, pairs, label_counts=(10, 100), n_draws=2)
    # the CNN runs on fewlabel.cnn_label_counts only (quick: 100)
    assert len(records) == 2 * 2 + 2 * 2 + 2
    for r in records:
        assert 0.0 <= r["accuracy"] <= 1.0
    rows = ch08.summarize(records)
    probe100 = [r for r in rows if r["method"] == "probe" and r["n_labels"] == 100][0]
    mine = [r["accuracy"] for r in records if r["method"] == "probe" and r["n_labels"] == 100]
    assert probe100["mean"] == pytest.approx(np.mean(mine)) and probe100["draws"] == 2
    assert probe100["mean"] > 0.4  # 10 labels per class of Fashion-MNIST: far above chance


def test_finetune_copies_the_encoder(tiny):
    with config.use_mode("quick"):
        feats = ch08.features("ae", tiny)
        before = [w.copy() for w in feats.encoder.encoder.get_weights()]
        acc, pred = ch08.evaluate("finetune", feats, tiny, np.arange(0, 300, 3), seed=0)
    assert 0.0 <= acc <= 1.0 and pred.shape == (100,)
    after = feats.encoder.encoder.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    with pytest.raises(ValueError, match="finetune needs a Keras encoder"):
        ch08.evaluate("finetune", ch08.Features("pca", feats.train, feats.test), tiny,
                      np.arange(10))


def test_reused_classifier_trains_like_a_new_one(tiny):
    """train_classifier(reuse=...) re-initialises one compiled CNN per architecture: the
    same predictions as new models, seed after seed, scratch and fine-tuned."""
    feats = ch08.features("ae", tiny)
    idx = np.arange(0, 300, 3)
    x, y = tiny.x_train[idx], tiny.y_train[idx]
    kept = {}
    for encoder in (lambda: None, lambda: ch08.keras_encoder(feats.encoder)):
        reused = []
        for seed in (0, 1, 0):
            fresh = ch08.train_classifier(x, y, encoder=encoder(), steps=12, seed=seed)
            again = ch08.train_classifier(x, y, encoder=encoder(), steps=12, seed=seed,
                                          reuse=kept)
            reused.append(again)
            np.testing.assert_array_equal(again.predict_proba(tiny.x_test),
                                          fresh.predict_proba(tiny.x_test))
        assert reused[0] is reused[1] is reused[2]
    assert len(kept) == 2  # scratch and fine-tuned: two architectures
    other = ch08.train_classifier(x, y, steps=10, seed=0, reuse=kept)  # another schedule
    assert len(kept) == 3 and other is not reused[0]


def test_augmentation_experiment(tiny):
    from unsuplab.models.pca import PCAAutoencoder

    class Sampler(PCAAutoencoder):  # PCA with a Gaussian "prior": a cheap generator
        def sample(self, n, seed=0):
            rng = np.random.default_rng(seed)
            z = rng.normal(size=(n, self.latent_dim)) * np.sqrt(self.explained_variance_)
            return np.clip(self.decode(z.astype(np.float32)), 0, 1)

    gen = Sampler(8).fit(tiny.x_train)
    with config.use_mode("quick"):
        results = ch08.augment_experiments(tiny, gen, n_labels=20, n_draws=2, n_new=20,
                                           threshold=0.0)
    assert set(results) == set(ch08.AUGMENTATIONS)
    for out in results.values():
        assert len(out["plain"]) == len(out["augmented"]) == 2
        assert out["gain"]["low"] <= out["gain"]["mean"] <= out["gain"]["high"]
        assert out["kept"] == [20, 20]
    # the plain CNN is shared: both kinds compare against the same accuracies
    assert results["latent"]["plain"] == results["generative"]["plain"]


def test_contrastive_hidden_features_and_finetune(tiny):
    with config.use_mode("quick"):
        feats = ch08.features("contrastive", tiny)
        assert isinstance(feats.encoder, ch08.HiddenFeatures)
        assert feats.train.shape == (300, 256) and feats.test.shape == (100, 256)
        assert feats.encoder.training_history["loss"]
        acc, _ = ch08.evaluate("finetune", feats, tiny, np.arange(0, 300, 3), seed=0)
        probe, _ = ch08.evaluate("probe", feats, tiny, np.arange(0, 300, 3))
    assert 0.0 <= acc <= 1.0 and probe > 0.3


def test_bad_names():
    with pytest.raises(ValueError, match="Unknown name"):
        ch08.pretrain("bert", np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="Unknown kind"):
        ch08.augment_experiments(None, None, ("gan",))
