"""Self-organizing maps (Kohonen, 1982) as a scikit-learn estimator, on the CPU or an accelerator.

The package: :mod:`.estimator` (the :class:`SOM` estimator), :mod:`.kernels` (the batch update
and matching in NumPy, and the online rule), :mod:`.keras_kernels` (the same batch update and
matching in ``keras.ops``, compiled for the Keras backend, TensorFlow or JAX, for a GPU),
:mod:`.neighborhoods` (neighbourhood functions, decay schedules) and :mod:`.grid` (grid
geometry, the PCA-plane start, the U-matrix). Importing the package imports neither Keras nor
its backend: ``engine="keras"`` does at ``fit``, ``engine="numpy"`` never, and the default
``engine="auto"`` never imports it (it uses the Keras engine when Keras is already imported and
has an accelerator, NumPy otherwise).

A self-organizing map (SOM) is a grid of ``n_rows x n_cols`` *units*; unit ``j`` sits at grid
position :math:`r_j` and holds a *prototype* (weight vector) :math:`w_j` in data space. Training
shows it samples :math:`x`; for each it finds the *best-matching unit* (BMU)

.. math::  c(x) = \\arg\\min_j \\lVert x - w_j \\rVert ,

and pulls every prototype towards :math:`x`, the more so the nearer its unit lies to the BMU
*on the grid*:

.. math::  w_j \\leftarrow w_j + \\eta(t)\\, h_{c(x),j}(t)\\, (x - w_j),
           \\qquad h_{cj} = h\\big(\\lVert r_c - r_j \\rVert,\\ \\sigma(t)\\big),

where :math:`h` is the neighbourhood function (:func:`gaussian`, :func:`bubble`,
:func:`mexican_hat`) and the learning rate :math:`\\eta(t)` and radius :math:`\\sigma(t)` shrink
with the number :math:`t` of samples seen (:func:`decay`). Units near on the grid end up with
similar prototypes: the map is a 2-D, topology-preserving summary of the data.

Two training algorithms, one rule:

- ``algorithm="online"``: the classic rule above, one sample at a time, in NumPy (for teaching
  and for reference; it is what MiniSom does).
- ``algorithm="batch"`` (default): vectorized, in ``keras.ops`` on the Keras backend (a GPU
  when there is one) or in NumPy (the ``engine`` parameter; NumPy by default on a CPU). A
  batch of :math:`B`
  samples, all matched against the same prototypes, gives

  .. math::  w_j \\leftarrow w_j + \\frac{\\eta \\sum_b h_{c_b j} (x_b - w_j)}
                                        {\\max\\big(1,\\ \\eta \\sum_b |h_{c_b j}|\\big)} .

  For :math:`B = 1` (and :math:`\\eta h \\le 1`) this *is* the online rule. When
  :math:`\\eta \\sum_b h_{c_b j} \\ge 1` the denominator caps the step, and the unit moves
  exactly to the neighbourhood-weighted mean :math:`\\sum_b h_{c_b j} x_b / \\sum_b h_{c_b j}`
  of the batch: with ``batch_size=None`` (the whole data set per update) this is Kohonen's
  classic *batch SOM*. The sums need no :math:`B \\times K` neighbourhood matrix:
  :math:`\\sum_b h_{c_b j} x_b = \\sum_k h_{kj} S_k` with :math:`S_k` the sum of the samples
  whose BMU is :math:`k` (only the units :math:`k` that won a sample count), so an update
  costs one :math:`K \\times |U|` by :math:`|U| \\times D` product, :math:`|U| \\le \\min(B, K)`
  the number of winners, besides finding the BMUs (one matrix product).

Example:
    >>> from unsuplab.models import SOM
    >>> som = SOM(10, 10, sigma=3.0, n_epochs=5, random_state=0).fit(X)
    >>> som.predict(X[:5])               # BMU of each sample (flat unit index)
    >>> som.quantization_error(X), som.topographic_error(X)
    >>> som.distance_map()               # the U-matrix, shape (10, 10)
"""

from .estimator import SOM
from .grid import grid_distances_sq, grid_positions, pca_plane, u_matrix
from .neighborhoods import DECAYS, NEIGHBORHOODS, bubble, decay, gaussian, mexican_hat

__all__ = [
    "DECAYS",
    "NEIGHBORHOODS",
    "SOM",
    "bubble",
    "decay",
    "gaussian",
    "grid_distances_sq",
    "grid_positions",
    "mexican_hat",
    "pca_plane",
    "u_matrix",
]
