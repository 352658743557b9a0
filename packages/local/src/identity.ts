import { Problem, type Staff } from "@keyhold/core";

type IdentityPort = Staff.IdentityPort;

/**
 * Offline, the staff record is the directory: the local token issuer reads it at sign-in, so
 * claims and disabling need nothing more here. Staff ids are readable slugs of the username.
 */
export const localIdentity: IdentityPort = {
  async createUser(user) {
    const local = user.username.split("@")[0] ?? "";
    if (!local) throw new Problem("validation_failed", "username has no local part");
    return { staffId: local };
  },
  async updateClaims() {},
  async disable() {},
};
