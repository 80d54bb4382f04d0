# ctl/ -- bureauctl, the admin's command line.
sbin_PROGRAMS += ctl/bureauctl
ctl_bureauctl_SOURCES = ctl/bureauctl.c ctl/ctl.h \
	ctl/util.c ctl/util.h \
	ctl/cmd_db.c ctl/cmd_plugin.c \
	ctl/cmd_user.c ctl/cmd_audit.c ctl/cmd_demo.c
ctl_bureauctl_CFLAGS = $(PIE_CC)
ctl_bureauctl_LDFLAGS = $(PIE_LD)
ctl_bureauctl_LDADD = $(CORE_LIBS)
# Where bureaud is installed: the probe helper bureauctl runs.
ctl_bureauctl_CPPFLAGS = $(AM_CPPFLAGS) -DBUREAU_SBINDIR='"$(sbindir)"'
