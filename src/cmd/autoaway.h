/* autoaway.h - away after a while without input, back on the next key:
 * the auto_away setting (minutes, 0: never). While away our presence says
 * since when the user is idle (XEP-0319). The UI reports input; this
 * decides the presence. */
#ifndef NATTER_CMD_AUTOAWAY_H
#define NATTER_CMD_AUTOAWAY_H

/* Start counting from now and follow the auto_away setting. */
void autoaway_init(void);
void autoaway_deinit(void);

/* The user pressed a key: back to the presence from before auto-away. */
void autoaway_input(void);

#endif
