# docs/ -- man pages and guides.
dist_man_MANS += docs/bureaud.8 docs/bureauctl.8
