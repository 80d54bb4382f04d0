# unit/auth.mk: fragment
