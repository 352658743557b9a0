import { Feed, route } from "@keyhold/core";

export const rotateSecret = route("feed.rotateSecret", ({ ctx }) => Feed.rotateSecret(ctx));
