export function swiftShaderIcd(): string | undefined;
export function applyNodeGpuEnv(env: NodeJS.ProcessEnv): string[];
export function describeVulkan(env: NodeJS.ProcessEnv): { loader: string | null; drivers: string[]; driversFrom: string };
