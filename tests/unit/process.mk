# unit/process.mk: fragment
