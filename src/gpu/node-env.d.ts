export function swiftShaderIcd(): string | undefined;
export function applyNodeGpuEnv(env: NodeJS.ProcessEnv): string[];
