/* hashcap.c -- placeholder, being written */
