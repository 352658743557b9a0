import { describeCatalog, route } from "@keyhold/core";

export const get = route("catalog.get", async () => describeCatalog());
