import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { RegionsResponse, Town } from '@shanhai/domain';
import * as regionsApi from '@/api/regions';

/** Counties and towns with their targets for a year; cached per year. */
export const useRegionsStore = defineStore('regions', () => {
  const byYear = ref<Record<number, RegionsResponse>>({});

  async function load(year?: number, force = false): Promise<RegionsResponse> {
    const cached = year !== undefined ? byYear.value[year] : undefined;
    if (cached && !force) return cached;
    const data = await regionsApi.regions(year);
    byYear.value[data.year] = data;
    return data;
  }

  async function setTarget(townId: string, year: number, targetFen: number) {
    await regionsApi.setTownTarget(townId, year, targetFen);
    await load(year, true);
  }

  function towns(year: number): Town[] {
    return byYear.value[year]?.counties.flatMap((c) => c.towns) ?? [];
  }

  return { byYear, load, setTarget, towns };
});
