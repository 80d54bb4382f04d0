/* audit.c -- placeholder, being written */
