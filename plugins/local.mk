# plugins/ -- the bundled plugins, each with its own fragment.
include plugins/staff/local.mk
include plugins/projects/local.mk
include plugins/expos/local.mk
include plugins/regions/local.mk
