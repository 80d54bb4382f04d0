/* probe.c -- placeholder, being written */
