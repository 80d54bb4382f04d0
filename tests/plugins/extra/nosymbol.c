/* nosymbol -- a shared object that exports something, but no
 * bureau_plugin. */
#include "extra.h"

BUREAU_EXPORT int nosymbol_answer(void);

BUREAU_EXPORT int
nosymbol_answer(void)
{
	return 42;
}
