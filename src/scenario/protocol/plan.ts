import type { Template } from '../../util/template.js';

/** protocol: { module }: the user's protocol module. */
export interface ModulePlan {
  /** Absolute path. */
  file: string;
  /** As written in the scenario (for messages). */
  written: string;
}

/** protocol: mqtt. */
export interface MqttPlan {
  version: 4 | 5;
  clientId: Template;
  clean: boolean;
  qos: 0 | 1;
  topic: Template;
  keepaliveMs: number;
}
