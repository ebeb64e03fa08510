# Binder gives 2 GiB for the server and every kernel together, and one notebook's kernel holds
# 1-2 GiB: kernels whose notebook was closed are shut down after 10 idle minutes, so a student
# who opens the next chapter does not run out of memory. A kernel with its notebook still open
# is never culled (a student reading for a while keeps their state). postBuild installs this.
c = get_config()  # noqa: F821 (the name Jupyter's config loader provides)
c.MappingKernelManager.cull_idle_timeout = 600
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = False
c.MappingKernelManager.cull_busy = False
