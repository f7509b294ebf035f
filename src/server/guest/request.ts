// What the guest-facing app needs to know about a request. The HTTP adapter fills it in; tests
// build it by hand. Platform facts (the peer address) are passed in, never detected.

export interface GuestRequest {
  method: string;
  /** The raw request target ("/openstack/latest/meta_data.json?x"). */
  target: string;
  /** The TCP peer's address as the socket reports it. */
  peer: string;
  /** A request header by lower-case name; repeated headers are joined with ", ". */
  header(name: string): string | undefined;
  /** The request body for methods that carry one (capped; see bodyTooLarge). */
  body?: Buffer;
  /** The body, or its declared Content-Length, was over the adapter's cap. */
  bodyTooLarge?: boolean;
}
