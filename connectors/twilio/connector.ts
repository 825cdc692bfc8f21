import { VerificationError } from '../errors.js';
import { parseWith } from '../../identity/parse.js';
import type { WebhookConnector } from '../types.js';
import { TWILIO_ROUTES, type TwilioSettings } from './config.js';
import { normaliseTwilio } from './normalise.js';
import { twilioWebhookSchema } from './schema.js';
import { formParams, isSignedByTwilio } from './verify.js';

/** Twilio's reply to a messaging webhook that sends nothing back. */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** `POST /webhooks/twilio`: SMS, MMS and WhatsApp through Twilio Messaging. */
export function createTwilioConnector(settings: TwilioSettings): WebhookConnector {
  return {
    name: 'twilio',
    routes: TWILIO_ROUTES,
    handle(request, receivedAt) {
      const signed = isSignedByTwilio({
        authToken: settings.authToken,
        url: `${settings.publicUrl}${request.url}`,
        signature: request.headers['x-twilio-signature'],
        contentType: request.headers['content-type'],
        rawBody: request.rawBody,
      });
      if (!signed) throw new VerificationError('X-Twilio-Signature does not match the request');
      const webhook = parseWith(twilioWebhookSchema, formParams(request.rawBody));
      return { ...normaliseTwilio(webhook, receivedAt), status: 200, contentType: 'text/xml', body: EMPTY_TWIML };
    },
  };
}
