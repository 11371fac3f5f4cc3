import { Suggestions } from '@shanhai/domain';
import { http } from './http';

export const suggest = (q: string) => http.get('/search/suggest', Suggestions, { q });
