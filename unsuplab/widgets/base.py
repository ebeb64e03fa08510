"""The base of every interactive explorer: controls in, one figure out.

An explorer is a set of ipywidgets controls and a ``render(**values)`` function that draws a
matplotlib figure. When a control moves, the figure is redrawn in an ``Output`` widget. The
first figure is drawn when the explorer is built, so a notebook executed headless (nbval,
``make notebooks``) shows it too, and :meth:`Explorer.set` moves controls from code (tests,
exercises, a teacher's script).
"""

from __future__ import annotations

from collections.abc import Callable

#: How identifiers read in a dropdown: ``contrastive_umap_gmm`` -> "contrastive → UMAP → GMM".
_WORDS = {
    "ae": "autoencoder", "pca": "PCA", "umap": "UMAP", "gmm": "GMM", "dec": "DEC",
    "idec": "IDEC", "kmeans": "k-means", "n2d": "N2D", "vae": "VAE", "gan": "GAN",
    "slic": "SLIC", "tv": "TV", "bm3d": "BM3D", "nlm": "NL-means", "knn": "kNN",
    "cnn": "CNN", "ddim": "DDIM", "ddpm": "DDPM", "som": "SOM",
}


def display_name(name) -> str:
    """A readable label for an identifier: words split at ``_``, acronyms spelled, the steps of
    a pipeline joined by arrows (``kmeans_pca`` -> "k-means → PCA", ``n2d_style`` -> "N2D
    style"). Anything that is not a plain identifier is returned as it is."""
    text = str(name)
    if not text.replace("_", "").isalnum() or text.lower() != text:
        return text
    words = [_WORDS.get(w, w) for w in text.split("_")]
    if len(words) == 2 and words[1] == "style":
        return " ".join(words)
    return " → ".join(words)


def dropdown_options(names) -> list:
    """``(label, value)`` pairs for an ipywidgets ``Dropdown``: readable labels, the raw values
    kept (``explorer.set(method="kmeans_pca")`` still works)."""
    return [(display_name(n), n) for n in names]


class Explorer:
    """Controls plus a render function, displayed as one widget.

    Args:
        render: ``render(**values) -> matplotlib Figure``, called with the controls' values.
        controls: ``name -> ipywidgets widget`` (sliders, dropdowns, ...). Each name must be
            an argument of ``render``.
        title: a line of text shown above the controls.
        wrap: let the controls wrap onto several lines (many or wide sliders).

    Example:
        >>> import ipywidgets as w
        >>> ex = Explorer(lambda n: image_grid(x[:n]), {"n": w.IntSlider(8, 1, 32)})
        >>> ex  # in a notebook: the controls and the figure
    """

    def __init__(
        self, render: Callable, controls: dict, *, title: str | None = None, wrap: bool = False
    ):
        import ipywidgets as widgets

        if not callable(render):
            raise TypeError(f"render must be callable. Received: render={render!r}")
        if not isinstance(controls, dict) or not controls:
            raise ValueError(
                f"controls must be a non-empty dict name -> widget. Received: {controls!r}"
            )
        for name, control in controls.items():
            if not isinstance(control, widgets.ValueWidget):
                raise TypeError(
                    f"controls[{name!r}] must be an ipywidgets value widget. Received: {control!r}"
                )
        self.render = render
        self.controls = dict(controls)
        self.output = widgets.Output()
        self.figure = None
        self.n_renders = 0
        children = [widgets.HTML(f"<b>{title}</b>")] if title else []
        # many controls: ``wrap`` lets them flow onto several lines instead of one long row
        layout = widgets.Layout(flex_flow="row wrap") if wrap else widgets.Layout()
        self.controls_box = widgets.HBox(list(self.controls.values()), layout=layout)
        children += [self.controls_box, self.output]
        self.widget = widgets.VBox(children)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    @property
    def values(self) -> dict:
        """The controls' current values, ``name -> value``."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw the figure from the current values."""
        import matplotlib.pyplot as plt
        from IPython.display import display

        figure = self.render(**self.values)
        self.n_renders += 1
        with self.output:
            self.output.clear_output(wait=True)
            if figure is not None:
                display(figure)
        if self.figure is not None and self.figure is not figure:
            plt.close(self.figure)
        self.figure = figure
        if figure is not None:
            plt.close(figure)  # shown through the Output widget only, never twice

    def set(self, **values) -> None:
        """Move controls from code, e.g. ``explorer.set(sigma=0.2)``; redraws once."""
        unknown = [k for k in values if k not in self.controls]
        if unknown:
            raise ValueError(f"Unknown control {unknown[0]!r}; controls: {sorted(self.controls)}")
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            for control in self.controls.values():
                control.observe(self._on_change, names="value")
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
