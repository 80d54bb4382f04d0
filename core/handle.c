/* handle.c -- placeholder, being written */
