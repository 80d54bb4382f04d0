/* scoreboard.c -- placeholder, being written */
