/* login.c -- placeholder, being written */
