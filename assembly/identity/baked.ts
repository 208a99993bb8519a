// Keys baked into an image at build time, so a device trusts only its owner from
// its first boot. The image builder replaces this file's three values (see
// docs/identity.md, "Baking"); this checked-in version bakes nothing, and the
// owner key and network key are then set once, at enrollment.
export const BAKED: bool = false;
export const BAKED_OWNER_KEY: usize = memory.data(32);
export const BAKED_NETWORK_KEY: usize = memory.data(32);
