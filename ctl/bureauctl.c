/* bureauctl.c -- placeholder, being written */
