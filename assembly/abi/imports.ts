// Every function the core imports from its host (module "nymote"), as listed in
// bindings/abi/*.json. Nothing else in assembly/ may declare an @external.

@external("nymote", "random_bytes")
export declare function random_bytes(ptr: usize, len: i32): i32;

@external("nymote", "clock_ms")
export declare function clock_ms(): i64;

@external("nymote", "monotonic_ms")
export declare function monotonic_ms(): i64;

@external("nymote", "log")
export declare function log(level: i32, ptr: usize, len: i32): void;

@external("nymote", "panic")
export declare function panic(msgPtr: usize, msgLen: i32, filePtr: usize, fileLen: i32, line: i32, column: i32): void;

@external("nymote", "flash_geometry")
export declare function flash_geometry(outPtr: usize): i32;

@external("nymote", "flash_read")
export declare function flash_read(offset: u32, ptr: usize, len: i32): i32;

@external("nymote", "flash_write")
export declare function flash_write(offset: u32, ptr: usize, len: i32): i32;

@external("nymote", "flash_erase")
export declare function flash_erase(offset: u32, len: i32): i32;

// Board capabilities (bindings/abi/board.json): an image may import these only when
// its board lists the capability; the builder checks.

@external("nymote", "gpio_configure")
export declare function gpio_configure(pin: i32, mode: i32): i32;

@external("nymote", "gpio_read")
export declare function gpio_read(pin: i32): i32;

@external("nymote", "gpio_write")
export declare function gpio_write(pin: i32, level: i32): i32;

@external("nymote", "adc_read_mv")
export declare function adc_read_mv(channel: i32): i32;

@external("nymote", "temperature_read")
export declare function temperature_read(outPtr: usize): i32;
