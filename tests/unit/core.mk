# unit/core.mk: fragment
