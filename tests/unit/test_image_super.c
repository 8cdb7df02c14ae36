// SPDX-License-Identifier: GPL-2.0
/* The superblock's states move only forward (image_super.h). */
#include "image_super.h"
#include "tap.h"

int main(void)
{
	static const struct {
		uint32_t from, to;
		bool allowed;
		const char *what;
	} changes[] = {
		{ 0, KHIB_IMAGE_WRITING, true, "a new image starts incomplete" },
		{ 0, KHIB_IMAGE_VALID, false, "nothing becomes valid unwritten" },
		{ KHIB_IMAGE_WRITING, KHIB_IMAGE_VALID, true, "written, it becomes valid" },
		{ KHIB_IMAGE_VALID, KHIB_IMAGE_RESTORED, true, "valid, it is restored" },
		{ KHIB_IMAGE_VALID, KHIB_IMAGE_DISCARDED, true, "valid, it is discarded" },
		{ KHIB_IMAGE_WRITING, KHIB_IMAGE_RESTORED, false, "an incomplete image is never restored" },
		{ KHIB_IMAGE_RESTORED, KHIB_IMAGE_VALID, false, "a restored image never becomes valid again" },
		{ KHIB_IMAGE_DISCARDED, KHIB_IMAGE_VALID, false, "nor a discarded one" },
		{ KHIB_IMAGE_RESTORED, KHIB_IMAGE_DISCARDED, false, "a restored image is not discarded" },
		{ KHIB_IMAGE_VALID, KHIB_IMAGE_VALID, false, "valid stays valid only by not writing" },
		{ KHIB_IMAGE_RESTORED, KHIB_IMAGE_WRITING, true, "a new hibernation overwrites anything" },
		{ KHIB_IMAGE_VALID, 77, false, "unknown states are refused" },
	};

	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		ok(image_state_change_allowed(changes[i].from, changes[i].to) ==
		   changes[i].allowed, "%s", changes[i].what);
	return tap_done();
}
