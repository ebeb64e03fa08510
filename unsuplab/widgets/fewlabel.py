"""Chapter 08 explorer: choose a representation, a method and the number of labels; see the
test accuracy and the confusion matrix at once (the features are computed beforehand)."""

from __future__ import annotations

from .base import Explorer, display_name, dropdown_options


def fewlabel_explorer(features: dict, y_train, y_test, *, class_names=None,
                      label_counts=(10, 100, 1000), n_draws=5, methods=("probe", "spreading"),
                      spreading=None):
    """An :class:`Explorer` over precomputed features.

    Args:
        features: ``name -> (features_train, features_test)``, float arrays (N, d), (M, d).
        y_train, y_test: labels; a class-balanced draw of ``y_train`` is revealed.
        class_names: names for the confusion matrix.
        label_counts: the budgets offered (each a multiple of the number of classes).
        n_draws: draws offered (seeds 0 .. n_draws - 1).
        methods: among ``"probe"`` (logistic regression) and ``"spreading"`` (label
            spreading; each representation's kNN graph is built on first use, then reused).
        spreading: keyword arguments of :class:`~unsuplab.models.LabelSpreader`.

    Returns:
        An :class:`Explorer` with controls ``representation``, ``method``, ``n_labels``,
        ``draw``; ``explorer.state`` holds the last ``accuracy`` and ``predictions``.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from .._validation import check_choice, check_labels
    from ..data.labels import draw_labels, hide_labels
    from ..models.probe import LinearProbe, check_features
    from ..models.spreading import LabelSpreader, knn_graph
    from ..viz.fewlabel import plot_confusion

    if not isinstance(features, dict) or not features:
        raise ValueError(f"features must be a non-empty dict name -> (train, test). "
                         f"Received: {features!r}")
    feats = {}
    for name, pair in features.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"features[{name!r}] must be a pair (train, test). Received: "
                             f"{type(pair).__name__}")
        feats[name] = (check_features(pair[0], f"features[{name!r}][0]"),
                       check_features(pair[1], f"features[{name!r}][1]"))
    first = next(iter(feats.values()))
    y_train = check_labels(y_train, len(first[0]), "y_train")
    y_test = check_labels(y_test, len(first[1]), "y_test")
    methods = tuple(methods)
    for m in methods:
        check_choice(m, "method", ("probe", "spreading"))
    for n in label_counts:
        draw_labels(y_train, n, seed=0)  # fails early for an impossible budget
    options = dict(spreading or {"n_neighbors": 10, "metric": "cosine"})
    graphs = {}
    state = {}

    def render(representation, method, n_labels, draw):
        f_train, f_test = feats[representation]
        idx = draw_labels(y_train, n_labels, seed=draw)
        if method == "probe":
            pred = LinearProbe().fit(f_train[idx], y_train[idx]).predict(f_test)
        else:
            if representation not in graphs:
                graphs[representation] = knn_graph(
                    f_train, options.get("n_neighbors", 10),
                    metric=options.get("metric", "euclidean"))
            model = LabelSpreader(**options)
            model.fit(f_train, hide_labels(y_train, idx), graph=graphs[representation])
            pred = model.predict(f_test)
        acc = float((pred == y_test).mean())
        state.update(accuracy=acc, predictions=pred)
        fig, ax = plt.subplots(figsize=(5.2, 4.6))
        plot_confusion(y_test, pred, class_names=class_names, ax=ax,
                       title=f"{display_name(representation)} + {display_name(method)}, {n_labels} "
                             f"labels (draw {draw}): "
                             f"accuracy {acc:.3f}")
        return fig

    controls = {
        "representation": widgets.Dropdown(options=dropdown_options(feats), value=next(iter(feats)),
                                           description="features"),
        "method": widgets.Dropdown(options=dropdown_options(methods), value=methods[0],
                                   description="method"),
        "n_labels": widgets.Dropdown(options=[int(n) for n in label_counts],
                                     value=int(label_counts[min(1, len(label_counts) - 1)]),
                                     description="labels"),
        "draw": widgets.IntSlider(value=0, min=0, max=max(int(n_draws) - 1, 0),
                                  description="draw", continuous_update=False),
    }
    explorer = Explorer(render, controls, title="Few labels: accuracy and confusion matrix",
                        wrap=True)
    explorer.state = state  # the last accuracy and predictions (tests, a teacher's script)
    return explorer


__all__ = ["fewlabel_explorer"]
