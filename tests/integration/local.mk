# integration/local.mk: fragment
