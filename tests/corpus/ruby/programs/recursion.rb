# Category tree with a cycle: depth never terminates.
module Catalog
  class Category
    attr_accessor :parent

    def initialize(name)
      @name = name
    end

    def depth
      parent ? parent.depth + 1 : 0
    end
  end
end

a = Catalog::Category.new(ARGV[0])
b = Catalog::Category.new("#{ARGV[0]}-sale")
a.parent = b
b.parent = a
puts a.depth
