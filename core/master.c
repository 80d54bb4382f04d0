/* master.c -- placeholder, being written */
