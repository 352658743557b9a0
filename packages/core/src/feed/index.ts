export { FeedSettingsPatch, defaultFeedSettings, feedSettingsOf, type FeedSettings } from "./settings.ts";
export { feedLine } from "./line.ts";
export {
  deadLetter,
  deliver,
  sendOrDeadLetter,
  signature,
  SIGNATURE_HEADER,
  EVENT_HEADER,
  type Delivery,
} from "./webhook.ts";
export { rotateSecret, secretOf } from "./secret.ts";
export { inProcessFeed, type InProcessFeed } from "./inprocess.ts";
export { feedStream, firehoseSink, type FirehoseSink } from "./stream.ts";
