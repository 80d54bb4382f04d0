# unit/data.mk: fragment
