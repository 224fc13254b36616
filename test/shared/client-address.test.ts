import { describe, expect, it } from "vitest";
import { rateLimitClient } from "../../workers/shared/client-address.js";

describe("the client a rate limit counts", () => {
  it.each([
    ["an IPv4 address", "203.0.113.7", "203.0.113.7"],
    ["an IPv6 address, by its /64", "2001:db8:1234:5678:9abc:def0:1:2", "2001:db8:1234:5678::/64"],
    ["another address of that /64, the same", "2001:0DB8:1234:5678:ffff:ffff:ffff:ffff", "2001:db8:1234:5678::/64"],
    ["a compressed form", "2001:db8::1", "2001:db8:0:0::/64"],
    ["an IPv4-mapped address, as IPv4", "::ffff:198.51.100.9", "198.51.100.9"],
    ["nothing", undefined, "unknown"],
  ])("takes %s", (_case, address, key) => {
    expect(rateLimitClient(address)).toBe(key);
  });

  it("tells two /64s apart", () => {
    expect(rateLimitClient("2001:db8:1234:5678::1")).not.toBe(rateLimitClient("2001:db8:1234:5679::1"));
  });

  it("keeps what is not an address bounded, as it came", () => {
    expect(rateLimitClient("not::an::address")).toBe("not::an::address");
    expect(rateLimitClient("x".repeat(500))).toHaveLength(64);
  });
});
