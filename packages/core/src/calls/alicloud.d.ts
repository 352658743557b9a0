/** The parts of Alibaba Cloud's Node SDKs (plain JavaScript, no types of their own) that calls/aliyun.ts uses. */
declare module "@alicloud/dyplsapi-2017-05-25" {
  interface RequestOptions {
    method?: "GET" | "POST";
    timeout?: number;
  }
  export default class Dyplsapi {
    constructor(config: { accessKeyId: string; accessKeySecret: string; endpoint: string; securityToken?: string });
    bindAxb(params: Record<string, unknown>, options?: RequestOptions): Promise<any>;
    unbindSubscription(params: Record<string, unknown>, options?: RequestOptions): Promise<any>;
  }
}

declare module "@alicloud/mns/lib/client.js" {
  export default class MNSClient {
    constructor(accountId: string, options: { region: string; accessKeyId: string; accessKeySecret: string; securityToken?: string; secure?: boolean });
    batchReceiveMessage(queueName: string, numOfMessages: number, waitSeconds?: number): Promise<{ code: number; body: unknown }>;
    batchDeleteMessage(queueName: string, receiptHandles: string[]): Promise<{ code: number; body?: unknown }>;
  }
}
