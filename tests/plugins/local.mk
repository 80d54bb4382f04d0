# plugins/local.mk: fragment
