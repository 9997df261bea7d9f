/** The api-keys module: keys (stored hashed) with their scopes, and who is calling. */
export { apiKeyRoutes } from './api-keys.routes.js';
export { createApiKeyService, generateSecret } from './api-keys.service.js';
