// Who is asking: one step per listener, chosen by configuration. It returns the instance's view,
// or the reply that ends the request (404 for an unknown caller, who learns nothing more).
import type { Reply } from '../guest/reply.js';
import type { GuestRequest } from '../guest/request.js';
import type { GuestView } from '../guest/view.js';

export type Identify = (req: GuestRequest) => GuestView | Reply;

export type IdentifyMode = 'source-ip';
export const IDENTIFY_MODES: readonly IdentifyMode[] = ['source-ip'];
