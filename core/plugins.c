/* plugins.c -- placeholder, being written */
